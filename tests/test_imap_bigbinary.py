"""FETCH BINARY of a ~100 MB base64 attachment: decoded while it streams, never held in
memory (RFC 3516 with the server's memory bounded), and a large literal8 APPEND with
binary content refused without leaving its spool file."""

from __future__ import annotations

import binascii
import hashlib
import io
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message
from tests.test_imap_bigappend import _vm_hwm, child

__all__ = ["child"]  # the fixture, shared with the APPEND memory test

_BLOCK = bytes(range(256)) * 57  # a whole number of 57-octet base64 lines
_REPEAT = 5400  # 78.8 MB decoded, 106 MB as base64
DECODED = len(_BLOCK) * _REPEAT


def _write_message(path: Path) -> None:
    """A message whose part 2 is the base64 of ``_BLOCK`` * ``_REPEAT``, LF line ends
    as a Maildir file may have them."""
    encoded = b"".join(binascii.b2a_base64(_BLOCK[i : i + 57]) for i in range(0, len(_BLOCK), 57))
    head = sample_message("big drawing", "").replace(b"\r\n", b"\n").rstrip(b"\n") + (
        b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nsee the drawing\n"
        b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
    )
    with open(path, "wb") as f:
        f.write(head)
        for _ in range(_REPEAT):
            f.write(encoded)
        f.write(b"--b--\n")


def _command(f: io.BufferedIOBase, line: bytes) -> list[bytes]:
    f.write(line + b"\r\n")
    f.flush()
    out = []
    while True:
        got = f.readline()
        out.append(got)
        if got.startswith(line.split(b" ", 1)[0] + b" "):
            return out


def test_big_attachment_is_decoded_while_it_streams(
    child: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    """BINARY.SIZE, BINARY.PEEK[2] and a window deep inside it: the right octets, and
    the server's peak RSS grows by far less than the attachment."""
    proc, port = child
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        f = s.makefile("rwb")
        f.readline()
        assert _command(f, f'a LOGIN {USER} "{PASSWORD}"'.encode())[-1].startswith(b"a OK")
        inbox = tmp_path / "data" / "mail" / "example.be" / "alice"
        _write_message(inbox / "new" / f"{int(time.time())}.big.host")
        assert _command(f, b"b SELECT INBOX")[-1].startswith(b"b OK")
        before = _vm_hwm(proc.pid)
        size = _command(f, b"c FETCH 1 (BINARY.SIZE[2])")
        assert size[0] == b"* 1 FETCH (BINARY.SIZE[2] %d)\r\n" % DECODED
        f.write(b"d FETCH 1 (BINARY.PEEK[2])\r\n")
        f.flush()
        line = f.readline()
        m = re.search(rb"BINARY\[2\] ~\{(\d+)\}\r\n$", line)
        assert m, line
        assert int(m.group(1)) == DECODED
        digest, left = hashlib.sha256(), DECODED
        while left:
            chunk = f.read(min(left, 1 << 20))
            assert chunk
            digest.update(chunk)
            left -= len(chunk)
        assert f.readline() == b")\r\n"
        assert f.readline().startswith(b"d OK")
        after = _vm_hwm(proc.pid)
        expected = hashlib.sha256()
        for _ in range(_REPEAT):
            expected.update(_BLOCK)
        assert digest.hexdigest() == expected.hexdigest()
        offset = 50_000_001
        window = _command(f, b"e FETCH 1 (BINARY.PEEK[2]<%d.1000>)" % offset)
        start = (_BLOCK * 2)[offset % len(_BLOCK) :][:1000]
        assert window[0] == b"* 1 FETCH (BINARY[2]<%d> ~{1000}\r\n" % offset
        assert b"".join(window[1:-1]).startswith(start)
        # The whole message has nothing to undo: BINARY[] is BODY[], sent from the window.
        whole = _command(
            f, b"f FETCH 1 (BINARY.PEEK[]<%d.300> BODY.PEEK[]<%d.300>)" % (offset, offset)
        )
        joined = b"".join(whole[:-1])
        assert b"BINARY[]<%d> {300}\r\n" % offset in joined
        binary_part = joined.split(b"BINARY[]<%d> {300}\r\n" % offset, 1)[1][:300]
        body_part = joined.split(b"BODY[]<%d> {300}\r\n" % offset, 1)[1][:300]
        assert binary_part == body_part
        sizes = _command(f, b"g FETCH 1 (BINARY.SIZE[] RFC822.SIZE)")[0]
        m = re.match(rb"\* 1 FETCH \(BINARY\.SIZE\[\] (\d+) RFC822\.SIZE (\d+)\)", sizes)
        assert m and m.group(1) == m.group(2)
    growth = after - before
    print(f"\nBINARY of {DECODED / 2**20:.1f} MiB: server VmHWM +{growth / 2**20:.1f} MiB")
    assert growth < DECODED // 8


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that spools APPEND literals over 4 kB."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    assert srv.service is not None
    srv.service.settings.spool_threshold = 4096
    yield srv
    srv.stop()


def test_spooled_literal8_with_binary_content_is_refused(server: ServerThread) -> None:
    """A spooled ``~{n}`` message with a NUL far into it: NO [UNKNOWN-CTE] (RFC 3516
    4.4), nothing stored, no spool file left; one without NUL is stored."""
    message = b"Subject: bin\r\n\r\n" + b"x" * 100_000 + b"\x00\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        f = s.makefile("rwb")
        f.readline()
        assert _command(f, f'a LOGIN {USER} "{PASSWORD}"'.encode())[-1].startswith(b"a OK")
        got = _command(f, b"b APPEND INBOX ~{%d+}\r\n" % len(message) + message)
        assert got[-1].startswith(b"b NO [UNKNOWN-CTE]")
        clean = message.replace(b"\x00", b"y")
        got = _command(f, b"c APPEND INBOX ~{%d+}\r\n" % len(clean) + clean)
        assert got[-1].startswith(b"c OK [APPENDUID")
    spool = server.paths.root / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []
    assert (
        len(list(server.paths.maildirs.rglob("new/*")) + list(server.paths.maildirs.rglob("cur/*")))
        == 1
    )
