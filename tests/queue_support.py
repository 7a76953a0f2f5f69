"""Helpers for the queue tests: a loopback smarthost (aiosmtpd) and a data dir with users."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.queue import QueueRunner, build_queue
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config

LOCAL = "alice@example.be"
FAST_QUEUE = {
    "first_retry": 0.05,
    "retry_factor": 1.0,
    "max_retry_interval": 0.05,
    "scan_interval": 0.02,
    "connect_timeout": 5.0,
    "give_up_after": 3600.0,
    "delay_warning_after": 3600.0,
}


@dataclass
class Sink:
    """The smarthost's behaviour and what it received."""

    reject: dict[str, str] = field(default_factory=dict)  # rcpt -> "550 5.1.1 ..." reply
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)  # per DATA: was the session TLS?
    broken_handshakes: int = 0  # STARTTLS attempts a BrokenStartTLS server spoiled

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        assert server.transport is not None
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        self.received.append((envelope.mail_from or "", list(envelope.rcpt_tos), content))
        return "250 2.0.0 queued as sink"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"office"
            and auth_data.password == b"s3cret"
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


def server_tls(tmp_path: Path, name: str = "127.0.0.1") -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a certificate for ``name`` from a fresh private CA,
    and that CA as a PEM file (what ``relay.ca_file`` would name)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    ca_file = tmp_path / f"ca-{name}.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


class BrokenStartTLS(SMTP):
    """An MX that advertises STARTTLS, answers 220, then speaks no TLS at all."""

    async def smtp_STARTTLS(self, arg: str) -> None:
        await self.push("220 Ready to start TLS")
        if isinstance(self.event_handler, Sink):
            self.event_handler.broken_handshakes += 1
        assert isinstance(self.transport, asyncio.WriteTransport)
        self.transport.write(b"this is not a TLS record\r\n")


@asynccontextmanager
async def smarthost(
    sink: Sink,
    port: int = 0,
    tls: ssl.SSLContext | None = None,
    auth: bool = False,
    implicit_tls: ssl.SSLContext | None = None,
    require_starttls: bool = True,
    server_class: type[SMTP] = SMTP,
) -> AsyncIterator[int]:
    """Run an aiosmtpd server on 127.0.0.1 in this loop; yields its port.

    Args:
        sink: the handler (behaviour and what was received).
        port: 0 for an ephemeral port.
        tls: offer STARTTLS with this context (and require it unless
            ``require_starttls`` is false, as an MX cannot).
        auth: require AUTH (user office, password s3cret).
        implicit_tls: SMTP over TLS from the first byte (SMTPS, port 465 style).
        server_class: e.g. ``BrokenStartTLS``.
    """
    kwargs: dict[str, Any] = {"hostname": "smarthost.test"}
    if tls is not None:
        kwargs.update(tls_context=tls, require_starttls=require_starttls)
    if auth:
        kwargs.update(authenticator=sink.authenticate, auth_required=True)
    if implicit_tls is not None:
        # aiosmtpd only knows of STARTTLS: on an implicit TLS socket it must be
        # told not to insist on it before AUTH.
        kwargs.update(auth_require_tls=False)

    def protocol() -> SMTP:
        with warnings.catch_warnings():
            # "Requiring AUTH while not requiring TLS": aiosmtpd cannot see implicit TLS.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return server_class(sink, **kwargs)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        protocol, "127.0.0.1", port, reuse_address=True, ssl=implicit_tls
    )
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        # Server.wait_closed() also waits for open connections (Python >= 3.11.7):
        # a client still closing its TLS session must not hang the test.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)


def fast_config(tmp_path: Path, relay_port: int) -> Config:
    """A config with millisecond timings and the smarthost on loopback."""
    relay = {"mode": "smarthost", "host": "127.0.0.1", "port": relay_port, "tls": "none"}
    return make_config(tmp_path, {"relay": relay, "queue": FAST_QUEUE}).config


@dataclass
class Office:
    """A data dir with one local user, its delivery and a queue runner."""

    config: Config
    paths: DataPaths
    users: UserStore
    delivery: MaildirDelivery

    def runner(self) -> QueueRunner:
        return build_queue(self.config, self.paths, self.users, self.delivery)

    def inbox(self, address: str = LOCAL) -> list[bytes]:
        new = maildir_path(self.paths, address) / "new"
        return [p.read_bytes() for p in sorted(new.iterdir())] if new.is_dir() else []

    def spool(self, name: str, body: bytes) -> Path:
        path = self.paths.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return path


def make_office(config: Config) -> Office:
    paths = DataPaths.from_config(config)
    users = UserStore(paths.users_db, [config.mail.domain])
    users.add_user(LOCAL, "pw")
    return Office(config, paths, users, MaildirDelivery(paths))


def message(sender: str = LOCAL, to: str = "bob@remote.test", body: str = "hello") -> bytes:
    return (
        f"From: <{sender}>\r\nTo: <{to}>\r\nSubject: test\r\n"
        f"Message-ID: <m1@example.be>\r\n\r\n{body}\r\n.starts with a dot\r\n"
    ).encode()


async def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll until ``predicate()`` is true (the bound only guards against hangs)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
