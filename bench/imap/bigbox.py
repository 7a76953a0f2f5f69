"""Large-mailbox benchmark: first open, reopen, and whether other sessions stall.

Builds an INBOX of N messages (default 50,000) whose file names carry no
``,W=`` size (as written by other MDAs, so the first open must read files),
then against pmemail's IMAP server in a second process prints:

- the first SELECT (index built from the files) and, meanwhile, the longest
  NOOP round trip of another user's session (the event-loop stall);
- SELECT + FETCH 1:* FLAGS by a new session of the same server process;
- the same after a server restart (the index loaded from SQLite).

Usage: python bench/imap/bigbox.py [--messages 50000]
"""

from __future__ import annotations

import argparse
import imaplib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pmemail.config.model import Config  # noqa: E402
from tests.imap_support import PASSWORD, USER, make_users  # noqa: E402

OTHER = "carol@example.be"
MESSAGE = (
    b"From: a@example.be\nTo: alice@example.be\nSubject: big box\n"
    b"Message-ID: <m@example.be>\n\n" + b"body line\n" * 20
)


def fill(maildir: Path, count: int) -> None:
    """``count`` bare-LF messages in ``maildir/cur``, every other one seen."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        flags = "S" if i % 2 else ""
        (maildir / "cur" / f"{1_600_000_000 + i}.B{i}.bench:2,{flags}").write_bytes(MESSAGE)


def start(data: Path) -> tuple[subprocess.Popen[bytes], int]:
    """pm_server.py on an ephemeral port."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("pm_server.py")), str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline().split()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Close stdin: the server stops."""
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(60)


def _command(sock: socket.socket, buf: bytearray, tag: bytes, line: bytes) -> bytes:
    """Send one command, read through its tagged answer (raw socket: imaplib's parsing
    of 50,000 lines would dominate the measurement)."""
    sock.sendall(tag + b" " + line + b"\r\n")
    end = b"\r\n" + tag + b" "
    while True:
        at = buf.find(end)
        if at >= 0:
            close = buf.find(b"\r\n", at + 2)
            if close >= 0:
                answer = bytes(buf[: close + 2])
                del buf[: close + 2]
                return answer
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk


def select_fetch(port: int, fetch: bool) -> tuple[float, float]:
    """Seconds for SELECT INBOX and for FETCH 1:* FLAGS (0 if not asked)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        buf = bytearray(b"\r\n")
        _command(sock, buf, b"a", f'LOGIN "{USER}" "{PASSWORD}"'.encode())
        t0 = time.perf_counter()
        answer = _command(sock, buf, b"b", b"SELECT INBOX")
        t1 = time.perf_counter()
        assert b"\r\nb OK" in answer, answer[-200:]
        if fetch:
            answer = _command(sock, buf, b"c", b"FETCH 1:* (FLAGS)")
            assert answer.count(b"FETCH (") >= 1 and b"\r\nc OK" in answer
        t2 = time.perf_counter()
        _command(sock, buf, b"d", b"LOGOUT")
    return t1 - t0, (t2 - t1) if fetch else 0.0


def pinger(port: int, done: threading.Event, worst: list[float]) -> None:
    """Another user's session: NOOP in a loop, keeping the worst round trip."""
    c = imaplib.IMAP4("127.0.0.1", port)
    c.login(OTHER, PASSWORD)
    c.select("INBOX")
    while not done.is_set():
        t = time.perf_counter()
        c.noop()
        worst[0] = max(worst[0], time.perf_counter() - t)
        time.sleep(0.01)
    c.logout()


def main() -> int:
    """Build the box, run the three measurements, print them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=50_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="imap-bigbox-") as tmp_name:
        data = Path(tmp_name) / "pm"
        config = Config()
        config.data_dir = str(data)
        config.mail.domain = "example.be"
        users = make_users(config)
        users.add_user(OTHER, PASSWORD, "imap")
        fill(data / "mail" / "example.be" / "alice", args.messages)
        proc, port = start(data)
        try:
            worst = [0.0]
            done = threading.Event()
            ping = threading.Thread(target=pinger, args=(port, done, worst))
            ping.start()
            time.sleep(0.3)
            first, _ = select_fetch(port, fetch=False)
            done.set()
            ping.join()
            warm = select_fetch(port, fetch=True)
        finally:
            stop(proc)
        proc, port = start(data)
        try:
            cold = select_fetch(port, fetch=True)
            again = select_fetch(port, fetch=True)
        finally:
            stop(proc)
    n = args.messages
    print(f"messages: {n}")
    print(
        f"first open SELECT (index built from files): {first:.2f} s; "
        f"other session's worst NOOP meanwhile: {worst[0] * 1000:.0f} ms"
    )
    print(
        f"same process, new session: SELECT {warm[0]:.3f} s + FETCH 1:* FLAGS "
        f"{warm[1]:.3f} s = {sum(warm):.3f} s"
    )
    print(
        f"after restart: SELECT {cold[0]:.3f} s + FETCH 1:* FLAGS {cold[1]:.3f} s "
        f"= {sum(cold):.3f} s; next session {sum(again):.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
