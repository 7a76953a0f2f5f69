"""A flood of idle connections from one address leaves the server usable for others.

``pmemail serve`` runs with a low open-files limit (320, soft and hard, set in
the child before exec) so the flood is cheap: without the connection caps,
1,500 idle connections exhaust it and mail from anybody fails.
"""

from __future__ import annotations

import contextlib
import resource
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail

FLOOD = 1500
SERVER_FILES = 320  # the server's RLIMIT_NOFILE: far below the flood
FLOODER, OTHER = "127.0.0.1", "127.0.0.2"
RCPT = f"alice@{DOMAIN}"


@pytest.fixture
def enough_files() -> Iterator[None]:
    """This test process holds the flood's sockets: raise its own soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = FLOOD + 4 * 60 + 100
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"the hard open-files limit ({hard}) is below {need}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServeSetup, Server]]:
    """``pmemail serve`` as shipped (default caps) with a low open-files limit."""
    setup = ServeSetup(tmp_path)
    setup.write()
    added = pmemail(setup, "users", "add", RCPT, "--password-stdin", input_text="long enough pw\n")
    assert added.returncode == 0, added.stderr
    srv = Server(setup, prefix=["prlimit", f"--nofile={SERVER_FILES}:{SERVER_FILES}", "--"])
    try:
        srv.wait_ready()
        yield setup, srv
    finally:
        srv.terminate()


def connect(port: int, source: str = FLOODER) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock


def first_bytes(sock: socket.socket) -> bytes:
    """What the server said first (b"" when it closed without a word)."""
    try:
        return sock.recv(512)
    except OSError:
        return b""


def log_size(setup: ServeSetup) -> int:
    return (setup.data / "logs" / "pmemail.log").stat().st_size  # 10 MB before it rotates


def test_idle_flood_from_one_address_leaves_mail_from_another_accepted(
    enough_files: None, server: tuple[ServeSetup, Server]
) -> None:
    """1,500 idle SMTP connections from 127.0.0.1: 127.0.0.2's mail still gets 250."""
    setup, srv = server
    before = log_size(setup)
    flood: list[socket.socket] = []
    try:
        for _ in range(FLOOD):
            flood.append(connect(setup.ports["smtp"]))
        greetings = [first_bytes(s) for s in flood]
        admitted = sum(g.startswith(b"220") for g in greetings)
        refused = sum(g.startswith(b"421 4.7.0") for g in greetings)
        assert admitted + refused == FLOOD, {g[:40] for g in greetings}
        assert 0 < admitted < SERVER_FILES and refused > 0
        # the other listeners refuse the same address politely too
        for name, prefix, refusal in (
            ("imap", b"* OK", b"* BYE"),
            ("pop3", b"+OK", b"-ERR"),
        ):
            more = [connect(setup.ports[name]) for _ in range(60)]
            flood.extend(more)
            answers = [first_bytes(s) for s in more]
            assert any(a.startswith(refusal) for a in answers), name
            assert all(a.startswith((prefix, refusal)) for a in answers), name
        web = [connect(setup.ports["webmail"]) for _ in range(60)]
        flood.extend(web)
        for sock in web[-5:]:  # over the cap: refused before any request
            assert first_bytes(sock).startswith(b"HTTP/1.1 503")

        with smtplib.SMTP(
            "127.0.0.1", setup.ports["smtp"], timeout=30, source_address=(OTHER, 0)
        ) as client:
            client.ehlo("other.example")
            client.mail("bob@elsewhere.example")
            assert client.rcpt(RCPT)[0] == 250
            code, reply = client.data(b"Subject: still here\r\n\r\nhello\r\n")
            assert code == 250, reply
    finally:
        for sock in flood:
            with contextlib.suppress(OSError):
                sock.close()
    new = (setup.data / "logs" / "pmemail.log").read_bytes()[before:].decode(errors="replace")
    assert "Traceback" not in new
    # asyncio accepts in bursts of up to 100 before the refusals close them: with
    # only 320 descriptors an accept() may still fail now and then (one line a minute)
    assert new.count("Too many open files") <= 2
    # pmemail's own lines: one refusal line per listener (rate-limited), not one per connection
    own = [line for line in new.splitlines() if " mail.log: " not in line]
    assert sum("connection refused" in line for line in own) <= 4, own
    assert sum(len(line) + 1 for line in own) < 4_000, own
    # aiosmtpd's per-command trace is at DEBUG: the whole flood costs a few KB
    assert len(new) < 8_000, len(new)
    assert srv.proc.poll() is None
