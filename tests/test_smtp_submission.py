"""Submission (1234/587/465): AUTH only over TLS, throttling, no spoofing, routing."""

from __future__ import annotations

import base64
import shutil
import smtplib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.smtp.handlers import SubmissionHandler
from mailcore.smtp.service import SmtpService, spool_dir
from tests.smtp_support import MailServer, client_tls, running
from tests.tls_support import keeper_context

MSG = b"From: Alice <alice@example.be>\r\nSubject: s\r\n\r\nbody\r\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    yield from running(tmp_path)


def submit(server: MailServer, tls: bool = True) -> smtplib.SMTP:
    c = smtplib.SMTP("127.0.0.1", server.port("submission"), timeout=10)
    c.ehlo("laptop")
    if tls:
        c.starttls(context=client_tls())
        c.ehlo("laptop")
    return c


def test_auth_only_after_starttls(server: MailServer) -> None:
    """AUTH is not advertised nor accepted in clear; it is after STARTTLS."""
    with submit(server, tls=False) as c:
        assert not c.has_extn("auth") and c.has_extn("starttls")
        code, _ = c.docmd("AUTH", "PLAIN AGFsaWNlQGV4YW1wbGUuYmUAYWxpY2UtcHc=")
        assert code == 538
        assert c.mail("alice@example.be")[0] == 530
    with submit(server) as c:
        assert c.has_extn("auth") and "PLAIN" in c.esmtp_features["auth"]
        c.login("alice@example.be", "alice-pw")
        c.sendmail("alice@example.be", ["bob@example.be", "friend@remote.example"], MSG)
    assert server.inbox("bob@example.be")[0].endswith(MSG)
    assert server.queue.items[0][:2] == ("alice@example.be", ["friend@remote.example"])
    assert b"with ESMTPSA" in server.queue.items[0][2]


def test_wrong_password_locks_only_that_pair(server: MailServer) -> None:
    """After max_failures the (ip, user) pair is locked; others behind the IP are not."""

    def plain(user: str, password: str) -> int:
        with submit(server) as c:
            c.user, c.password = user, password
            return c.docmd(
                "AUTH", "PLAIN " + base64.b64encode(f"\0{user}\0{password}".encode()).decode()
            )[0]

    assert [plain("alice@example.be", "wrong") for _ in range(3)] == [535, 535, 535]
    assert plain("alice@example.be", "alice-pw") == 454  # right password, but locked
    with submit(server) as c:
        c.login("bob@example.be", "bob-pw")  # same address, other user: fine
    handler = server.services[1].handler
    assert handler.stats.auth_failures == 3


def test_spoofed_senders_refused(server: MailServer) -> None:
    """Envelope sender and From must be the user's own address or alias."""
    with submit(server) as c:
        c.login("alice@example.be", "alice-pw")
        code, text = c.mail("bob@example.be")
        assert code == 553 and b"not owned" in text
        assert c.mail("<>")[0] == 553
        assert c.mail("ceo@remote.example")[0] == 553
        c.rset()
        assert c.mail("INFO@example.be")[0] == 250  # an alias of alice
        c.rcpt("bob@example.be")
        code, text = c.data(b"From: bob@example.be\r\nSubject: x\r\n\r\nspoof\r\n")
        assert code == 550 and b"From: <bob@example.be>" in text
        c.mail("alice@example.be")
        c.rcpt("bob@example.be")
        assert c.data(b"Subject: no from\r\n\r\nx\r\n")[0] == 550
        c.mail("alice@example.be")
        c.rcpt("bob@example.be")
        assert c.data(b"From: info@example.be\r\nSubject: ok\r\n\r\nx\r\n")[0] == 250
    assert len(server.inbox("bob@example.be")) == 1


def test_implicit_tls_listener(server: MailServer) -> None:
    """The 465-style listener offers AUTH right away, over TLS."""
    handler = server.services[1].handler
    assert isinstance(handler, SubmissionHandler)
    smtps = SmtpService(
        "smtps",
        "127.0.0.1",
        0,
        handler,
        tls=keeper_context(server.config, server.paths),
        implicit_tls=True,
        max_size=10_000,
        spool=spool_dir(server.paths),
        plaintext_auth_on_loopback=False,
    )
    server.run(smtps.start())
    try:
        with smtplib.SMTP_SSL("127.0.0.1", smtps.port, context=client_tls(), timeout=10) as c:
            c.ehlo("laptop")
            assert c.has_extn("auth") and not c.has_extn("starttls")
            c.login("bob@example.be", "bob-pw")
            c.sendmail(
                "bob@example.be", ["alice@example.be"], b"From: bob@example.be\r\n\r\nhi\r\n"
            )
    finally:
        server.run(smtps.stop())
    assert len(server.inbox("alice@example.be")) == 1


@pytest.mark.skipif(shutil.which("swaks") is None, reason="Debian package swaks missing")
def test_swaks_starttls_auth_submission(server: MailServer) -> None:
    """A real third-party client: swaks with STARTTLS and AUTH LOGIN."""
    done = subprocess.run(
        [
            "swaks",
            "--server",
            "127.0.0.1",
            "--port",
            str(server.port("submission")),
            "--tls",
            "--auth",
            "LOGIN",
            "--auth-user",
            "alice@example.be",
            "--auth-password",
            "alice-pw",
            "--from",
            "alice@example.be",
            "--to",
            "bob@example.be",
            "--h-From",
            "alice@example.be",
            "--helo",
            "laptop",
            "--body",
            "sent by swaks",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"sent by swaks" in server.inbox("bob@example.be")[0]
    bad = subprocess.run(
        [
            "swaks",
            "--server",
            "127.0.0.1",
            "--port",
            str(server.port("submission")),
            "--auth",
            "PLAIN",
            "--auth-user",
            "alice@example.be",
            "--auth-password",
            "alice-pw",
            "--from",
            "alice@example.be",
            "--to",
            "bob@example.be",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0  # no STARTTLS: swaks finds no AUTH to use
