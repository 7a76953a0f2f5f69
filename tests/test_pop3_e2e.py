"""End to end: a message sent to port 25 (SMTP in) is downloaded over POP3 with STLS."""

from __future__ import annotations

import asyncio
import poplib
import smtplib
from pathlib import Path

from mailcore.delivery import MaildirDelivery
from mailcore.pop3 import build_pop3_service
from mailcore.smtp.service import build_smtp_services
from mailcore.throttle import AuthThrottle
from tests.config_factory import make_config
from tests.pop3_support import ALICE, ALICE_PW, POP3, client_tls_context, make_users
from tests.tls_support import keeper_context

MESSAGE = (
    b"From: dave@example.org\r\nTo: alice@example.be\r\nSubject: e2e\r\n\r\n"
    b"first line\r\n.leading dot\r\n"
)


async def test_smtp_in_then_pop3_retr(tmp_path: Path) -> None:
    """SMTP in -> MaildirDelivery -> POP3 RETR gives the body back, dot line intact."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    config.ports.smtp.internal = 0
    config.ports.submission.internal = 0
    config.mail.submission_extra_ports = []
    users = make_users(config, paths)
    throttle = AuthThrottle(config.security)
    delivery = MaildirDelivery(paths, fsync=False)
    services = [
        *build_smtp_services(
            config, paths, users, delivery, None, throttle, tls=keeper_context(config, paths)
        ),
        build_pop3_service(config, paths, users, throttle, tls=keeper_context(config, paths)),
    ]
    for service in services:
        await service.start()
    smtp_port = services[0].status()["port"]
    pop_port = services[-1].status()["port"]
    assert isinstance(smtp_port, int) and isinstance(pop_port, int)

    def send() -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.sendmail("dave@example.org", [ALICE], MESSAGE)

    def fetch() -> list[bytes]:
        pop = poplib.POP3("127.0.0.1", pop_port, timeout=10)
        pop.stls(client_tls_context(paths))
        pop.user(ALICE)
        pop.pass_(ALICE_PW)
        lines = pop.retr(1)[1]
        pop.quit()
        return lines

    try:
        await asyncio.to_thread(send)
        lines = await asyncio.to_thread(fetch)
    finally:
        for service in reversed(services):
            await service.stop()
        await delivery.aclose()
    assert b"Subject: e2e" in lines
    assert lines[-2:] == [b"first line", b".leading dot"]
