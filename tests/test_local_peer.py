"""``plaintext_auth_on_loopback`` exempts 127.0.0.1 and ::1 only, not all of 127/8.

A TLS proxy or tunnel on the host connecting from 127.0.0.2 must not make
every client look local. Checked on the one shared function and on the real
SMTP submission and IMAP listeners, connecting from 127.0.0.2 (Linux routes
all of 127/8 to the loopback interface).
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.local_peer import is_local_peer
from tests.config_factory import make_config
from tests.imap_support import IMAP, ServerThread
from tests.smtp_support import MailServer, running
from tests.smtp_support import test_config as smtp_config


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("127.0.0.2", False),
        ("127.1.2.3", False),
        ("::ffff:127.0.0.2", False),
        ("192.168.1.10", False),
        ("", False),
        ("not an address", False),
    ],
)
def test_is_local_peer(host: str, local: bool) -> None:
    """Exactly the two loopback addresses (and 127.0.0.1 mapped into IPv6)."""
    assert is_local_peer(host) is local


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[MailServer]:
    yield from running(tmp_path, smtp_config(tmp_path, plaintext_auth_on_loopback=True))


@pytest.mark.parametrize(("source", "offered"), [("127.0.0.1", True), ("127.0.0.2", False)])
def test_submission_plaintext_auth_only_from_127_0_0_1(
    smtp_server: MailServer, source: str, offered: bool
) -> None:
    """AUTH in clear is offered to 127.0.0.1, and not to another 127/8 address."""
    port = smtp_server.port("submission")
    with smtplib.SMTP("127.0.0.1", port, timeout=10, source_address=(source, 0)) as c:
        c.ehlo("laptop")
        assert c.has_extn("auth") is offered
        code, _ = c.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUuYmUAYWxpY2UtcHc=")
        assert (code == 235) is offered, code


@pytest.fixture
def imap_server(tmp_path: Path) -> Iterator[ServerThread]:
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()  # loopback plaintext on
    yield srv
    srv.stop()


@pytest.mark.parametrize(("source", "offered"), [("127.0.0.1", True), ("127.0.0.2", False)])
def test_imap_plaintext_login_only_from_127_0_0_1(
    imap_server: ServerThread, source: str, offered: bool
) -> None:
    """LOGINDISABLED for 127.0.0.2, as for any remote client."""
    with socket.create_connection(
        ("127.0.0.1", imap_server.port), timeout=10, source_address=(source, 0)
    ) as sock:
        f = sock.makefile("rwb")
        assert f.readline().startswith(b"* OK")
        f.write(b"a CAPABILITY\r\n")
        f.flush()
        caps = f.readline()
        assert f.readline().startswith(b"a OK")
        assert (b"LOGINDISABLED" not in caps) is offered, caps
