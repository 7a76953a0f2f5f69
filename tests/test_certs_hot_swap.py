"""A renewed certificate reaches every port without a restart and without dropping anyone.

The real IMAP, SMTP and POP3 services share the keeper's context, as under
``pmemail serve``. An IMAP client idles through the swap and goes on; new
STARTTLS/STLS handshakes on every port see the new chain.
"""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import smtplib
import ssl
from pathlib import Path
from typing import Any

import trustme

from mailcore.certs.info import CertInfo
from mailcore.delivery import MaildirDelivery
from mailcore.imap.server import build_imap_service
from mailcore.interfaces import Service
from mailcore.mailstore import MailStore
from mailcore.pop3.server import build_pop3_service
from mailcore.smtp.service import build_smtp_services
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from tests.certs_support import loaded_keeper, put_acme_chain
from tests.config_factory import make_config

HOST = "mail.example.be"
IMAP_USER, POP_USER, PASSWORD = "alice@example.be", "bob@example.be", "correct horse battery"


def _client_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the fingerprint is compared instead
    return ctx


def _fingerprint(sock: Any) -> str:
    assert isinstance(sock, ssl.SSLSocket)
    der = sock.getpeercert(binary_form=True)
    assert der is not None
    return CertInfo.from_der(der).fingerprint_sha256


def _imap(port: int) -> str:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        client.starttls(_client_context())
        return _fingerprint(client.sock)
    finally:
        client.logout()


def _smtp(port: int) -> str:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.starttls(context=_client_context())
        client.ehlo()
        return _fingerprint(client.sock)


def _pop3(port: int) -> str:
    client = poplib.POP3("127.0.0.1", port, timeout=10)
    try:
        client.stls(_client_context())
        return _fingerprint(client.sock)
    finally:
        client.quit()


def _start_idle(port: int) -> tuple[Any, str]:
    """Logged in over STARTTLS, INBOX selected, IDLE running (typed Any: imaplib)."""
    client: Any = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    client.starttls(_client_context())
    client.login(IMAP_USER, PASSWORD)
    client.select("INBOX")
    client.send(b"i1 IDLE\r\n")
    assert client.readline().startswith(b"+"), "no IDLE continuation"
    return client, _fingerprint(client.sock)


def _finish_idle(client: Any) -> list[str]:
    """DONE, then NOOP, on the connection opened before the swap; what they answered."""
    client.send(b"DONE\r\n")
    line = client.readline()
    while line.startswith(b"*"):  # untagged news while idling
        line = client.readline()
    answers = [line.decode().strip(), client.noop()[0]]
    client.logout()
    return answers


async def test_swap_reaches_every_port_and_keeps_the_idle_connection(tmp_path: Path) -> None:
    """Self-signed, then an ACME chain and reload(): old IDLE goes on, new handshakes see it."""
    setup = make_config(tmp_path, {"imap": {"idle_poll": 0.1}})
    config, paths = setup.config, setup.paths
    users = UserStore.from_config(config, paths)
    users.add_user(IMAP_USER, PASSWORD, "imap")
    users.add_user(POP_USER, PASSWORD, "pop3")
    keeper = loaded_keeper(config, paths)
    throttle = AuthThrottle(config.security)
    delivery = MaildirDelivery(paths, fsync=False)
    imap = build_imap_service(
        config, paths, users, throttle, MailStore(paths.maildirs), tls=keeper.context
    )
    smtp = build_smtp_services(config, paths, users, delivery, None, throttle, tls=keeper.context)
    pop3 = build_pop3_service(config, paths, users, throttle, tls=keeper.context)
    services: list[Service] = [imap, smtp[0], pop3]
    for service in services:
        await service.start()
    try:
        ports = [service.status()["port"] for service in services]
        assert all(isinstance(p, int) for p in ports)
        imap_port, smtp_port, pop3_port = (int(str(p)) for p in ports)
        old = keeper.served()[0].fingerprint_sha256

        idle, seen_by_idle = await asyncio.to_thread(_start_idle, imap_port)
        assert seen_by_idle == old
        put_acme_chain(paths, trustme.CA(), HOST)
        keeper.reload()  # on the loop's thread, as the renewal does
        new = keeper.served()[0].fingerprint_sha256
        assert keeper.served()[1] == "acme" and new != old

        tag_line, noop = await asyncio.to_thread(_finish_idle, idle)
        assert tag_line.startswith("i1 OK") and noop == "OK"
        assert await asyncio.to_thread(_imap, imap_port) == new
        assert await asyncio.to_thread(_smtp, smtp_port) == new
        assert await asyncio.to_thread(_pop3, pop3_port) == new
    finally:
        for service in reversed(services):
            await service.stop()
