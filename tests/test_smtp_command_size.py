"""MAIL's command line limit stays put however many EHLOs the server has seen.

aiosmtpd lets MAIL grow past 512 bytes by the room its ESMTP parameters need
(SIZE=, SMTPUTF8), adding that room to ``command_size_limits`` on every EHLO.
That dict is a class attribute: unless each session has its own, the limit
grows for the life of the server and a client can send ever longer lines.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

from tests.smtp_support import MailServer, running

# 512 (RFC 5321 4.5.3.1.4) + 26 for " SIZE=..." (RFC 1870) + 10 for " SMTPUTF8"
# (RFC 6531), the allowances aiosmtpd adds once EHLO advertised both.
MAIL_LIMIT = 548
TOO_LONG = 500


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    yield from running(tmp_path)


def mail_line(length: int) -> str:
    """The argument of a ``MAIL`` command whose whole line is ``length`` bytes."""
    domain = "@example.org>"
    local = "a" * (length - len("MAIL FROM:<") - len(domain))
    return f"FROM:<{local}{domain}"


def mail_reply(client: smtplib.SMTP, length: int) -> int:
    code, _ = client.docmd("MAIL", mail_line(length))
    client.rset()
    return code


def test_mail_line_fits_the_limit_exactly(server: MailServer) -> None:
    """The boundary itself: 548 bytes are a command, 549 are too long."""
    assert len("MAIL " + mail_line(MAIL_LIMIT)) == MAIL_LIMIT
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=10) as c:
        c.ehlo("client.example.org")
        assert mail_reply(c, MAIL_LIMIT) == 250
        assert mail_reply(c, MAIL_LIMIT + 1) == TOO_LONG


def test_many_ehlos_do_not_grow_the_mail_limit(server: MailServer) -> None:
    """100 sessions, and 5 EHLOs in one session, leave MAIL's limit where it was."""
    class_limits = dict(SMTP.command_size_limits)
    port = server.port("smtp")
    for _ in range(100):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
            c.ehlo("client.example.org")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
        for _ in range(5):
            c.ehlo("client.example.org")
        assert mail_reply(c, MAIL_LIMIT + 1) == TOO_LONG
        assert mail_reply(c, MAIL_LIMIT) == 250
    with smtplib.SMTP("127.0.0.1", server.port("submission"), timeout=10) as c:
        c.ehlo("client.example.org")
        assert mail_reply(c, MAIL_LIMIT + 1) == TOO_LONG
    assert dict(SMTP.command_size_limits) == class_limits  # aiosmtpd's shared dict untouched
