"""APPEND of large messages: streamed to a spool file, never whole in memory, and
the size limit enforced before the literal is read (RFC 7888 TOOBIG)."""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message

ROOT = Path(__file__).resolve().parents[1]
BIG = 60 * 1024 * 1024
# The server runs in a child process so its peak resident memory (VmHWM) can be read.
_CHILD = """
import sys
from pathlib import Path
from tests.config_factory import make_config
from tests.imap_support import IMAP, ServerThread
srv = ServerThread(make_config(Path(sys.argv[1]), IMAP).config).start()
print(srv.port, flush=True)
sys.stdin.read()
srv.stop()
"""


def _vm_hwm(pid: int) -> int:
    """Peak resident set size of process ``pid`` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def _big_message() -> bytes:
    """A ~60 MB message with CRLF line ends, like a sent mail with a large drawing."""
    head = sample_message("drawing", "").rstrip(b"\r\n") + (
        b"\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    return head + line * ((BIG - len(head)) // len(line))


@pytest.fixture()
def child(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """An IMAP server in its own process: (process, port)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    port = int(proc.stdout.readline())
    yield proc, port
    proc.stdin.close()
    proc.stdout.close()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_big_append_is_streamed_not_held_in_memory(
    child: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    """A 60 MB APPEND raises the server's peak RSS far less than the message size,
    and is stored byte for byte (RFC822.SIZE matches); no spool file is left."""
    proc, port = child
    message = _big_message()
    c: Any = imaplib.IMAP4("127.0.0.1", port, timeout=120)
    c.login(USER, PASSWORD)
    c.create("Sent")  # may exist already (special-use folders): either way is fine
    before = _vm_hwm(proc.pid)
    typ, data = c.append("Sent", "(\\Seen)", None, message)
    after = _vm_hwm(proc.pid)
    assert typ == "OK", data
    growth = after - before
    print(
        f"\nAPPEND {len(message) / 2**20:.1f} MiB: server VmHWM {before / 2**20:.1f} -> "
        f"{after / 2**20:.1f} MiB (+{growth / 2**20:.1f} MiB)"
    )
    assert growth < len(message) // 4
    c.select("Sent")
    _, fetched = c.fetch("1", "(RFC822.SIZE FLAGS)")
    assert f"RFC822.SIZE {len(message)}".encode() in fetched[0]
    assert b"\\Seen" in fetched[0]
    stored = list((tmp_path / "data" / "mail" / "example.be" / "alice" / ".Sent" / "cur").iterdir())
    assert len(stored) == 1
    assert stored[0].read_bytes() == message
    assert list((tmp_path / "data" / "spool").iterdir()) == []
    c.logout()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server with a 100 kB message limit and a 4 kB in-memory APPEND threshold."""
    config = make_config(tmp_path, IMAP, {"mail": {"max_message_size": 100_000}}).config
    srv = ServerThread(config).start()
    assert srv.service is not None
    srv.service.settings.spool_threshold = 4096
    yield srv
    srv.stop()


def _spool(srv: ServerThread) -> list[Path]:
    spool = srv.paths.root / "spool"
    return list(spool.iterdir()) if spool.exists() else []


def test_over_limit_append_gets_toobig_and_connection_goes_on(server: ServerThread) -> None:
    """imaplib's synchronizing literal over the limit: NO [TOOBIG] before any byte is
    sent; the session keeps working and a message under the limit (spooled) is stored."""
    c = server.connect()
    typ, data = c.append("INBOX", None, None, b"Subject: x\r\n\r\n" + b"y" * 200_000)
    assert typ == "NO" and data[0].startswith(b"[TOOBIG] message of "), data
    assert c.noop()[0] == "OK"
    fits = sample_message("fits", "z" * 80 + "\r\n") * 450  # ~95 kB: over 4 kB, spooled
    typ, data = c.append("INBOX", None, None, fits)
    assert typ == "OK", data
    c.select("INBOX")
    _, fetched = c.fetch("1:*", "(RFC822.SIZE)")
    assert fetched == [f"1 (RFC822.SIZE {len(fits)})".encode()]
    _, body = c.fetch("1", "(BODY.PEEK[])")
    assert body[0][1] == fits
    assert _spool(server) == []
    c.logout()


def test_over_limit_non_synchronizing_literal_is_discarded(server: ServerThread) -> None:
    """{n+} over the limit: the bytes are read and dropped, then NO [TOOBIG]; nothing is
    stored and the next command is understood."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        f = s.makefile("rwb")
        f.readline()
        f.write(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode())
        f.flush()
        assert f.readline().startswith(b"a OK")
        f.write(b"b APPEND INBOX {200000+}\r\n" + b"x" * 200_000 + b"\r\nc NOOP\r\n")
        f.flush()
        assert f.readline().startswith(b"b NO [TOOBIG]")
        assert f.readline().startswith(b"c OK")
        f.write(b"d STATUS INBOX (MESSAGES)\r\n")
        f.flush()
        assert f.readline() == b"* STATUS INBOX (MESSAGES 0)\r\n"
        assert f.readline().startswith(b"d OK")
        # A literal of another command is bounded by the line limit, not the message limit.
        f.write(b"e LOGOUT {70000}\r\n")
        f.flush()
        assert f.readline().startswith(b"e NO [TOOBIG]")


def test_client_leaving_mid_literal_leaves_no_spool_file(server: ServerThread) -> None:
    """A client that hangs up half-way through a spooled APPEND: the partial file goes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        f = s.makefile("rwb")
        f.readline()
        f.write(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode())
        f.flush()
        f.readline()
        f.write(b"b APPEND INBOX {90000}\r\n")
        f.flush()
        assert f.readline().startswith(b"+")
        f.write(b"x" * 30_000)
        f.flush()
        deadline = time.monotonic() + 10
        while not _spool(server) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _spool(server), "the literal was not spooled"
        f.close()  # the socket's file descriptor stays open while its file object is
    deadline = time.monotonic() + 10
    while _spool(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _spool(server) == []
    assert list(server.paths.maildirs.rglob("cur/*")) == []
