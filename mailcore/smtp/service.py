"""SMTP listeners as ``mailcore.interfaces.Service`` objects, and their factory.

``build_smtp_services`` turns the config into: the MX listener
(``ports.smtp.internal``), the submission listener (``ports.submission.internal``,
1234) plus one per ``mail.submission_extra_ports`` (587), and the implicit-TLS
listener on ``mail.smtps_port`` (465) when set.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import weakref
from pathlib import Path
from typing import Any

from mailcore.antispam.inbound import build_inbound_filter
from mailcore.connection_limits import AdmissionGate, ConnectionLimiter, Slot
from mailcore.interfaces import ListenError, LocalDelivery, Service, UserDirectory
from mailcore.smtp.handlers import BaseHandler, OutboundQueue, SubmissionHandler
from mailcore.smtp.harvest import HarvestGuard
from mailcore.smtp.inbound import InboundHandler
from mailcore.smtp.session import StreamingSMTP
from mailcore.status import InboundSmtpStatus, SmtpStatus
from mailcore.throttle import AuthThrottle
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir

log = logging.getLogger("pmemail.smtp")
SESSION_TIMEOUT = 300.0  # RFC 5321 4.5.3.2: servers wait at least 5 minutes
TOO_MANY = b"421 4.7.0 Too many connections, try again later\r\n"


def spool_dir(paths: DataPaths) -> Path:
    """Where DATA bodies are received before delivery (same disk as the Maildirs)."""
    return paths.root / "spool"


class AdmittedSMTP(StreamingSMTP):
    """``StreamingSMTP`` holding a ``ConnectionLimiter`` slot until the connection ends.

    Built by an ``AdmissionGate`` only once the connection is admitted (aiosmtpd's
    constructor logs and introspects: a refused connection must not pay it).
    Releases the slot itself: after STARTTLS the TLS layer reports the end of
    the connection to this object, not to the gate.
    """

    def __init__(self, handler: Any, *, slot: Slot, **kwargs: Any) -> None:
        """Like ``StreamingSMTP``; ``slot`` is released when the connection is lost."""
        super().__init__(handler, **kwargs)
        self._slot = slot

    def connection_lost(self, error: Exception | None) -> None:
        """Give the slot back."""
        try:
            super().connection_lost(error)
        finally:
            self._slot.release()


class SmtpService:
    """One listening SMTP socket (``interfaces.Service``)."""

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        handler: BaseHandler,
        *,
        tls: ssl.SSLContext | None,
        implicit_tls: bool,
        max_size: int,
        spool: Path,
        plaintext_auth_on_loopback: bool,
        timeout: float = SESSION_TIMEOUT,
        limiter: ConnectionLimiter | None = None,
    ) -> None:
        """A listener on ``host:port`` (port 0 = ephemeral, read back from ``port``).

        ``limiter`` caps the connections (None: no cap).
        """
        self.name = name
        self.limiter = limiter or ConnectionLimiter(name, 0, 0)
        self.host, self.port = host, port
        self.handler = handler
        self._tls, self._implicit = tls, implicit_tls
        self._spool = spool
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[StreamingSMTP] = weakref.WeakSet()
        submission = handler.authenticated_only
        self._session_kwargs: dict[str, Any] = dict(
            spool_dir=spool,
            plaintext_auth_on_loopback=plaintext_auth_on_loopback and submission,
            data_size_limit=max_size,
            hostname=handler.hostname,
            ident="pmemail",
            timeout=timeout,
            enable_SMTPUTF8=True,
            tls_context=None if implicit_tls else tls,
            # implicit TLS counts as TLS: StreamingSMTP.connection_made lifts it
            auth_required=submission,
            auth_require_tls=True,
        )
        if not submission:
            self._session_kwargs["auth_exclude_mechanism"] = ["PLAIN", "LOGIN"]

    def _protocol(self) -> AdmissionGate:
        # called by the event loop for each new connection
        return AdmissionGate(self.limiter, self._session, TOO_MANY)

    def _session(self, slot: Slot) -> StreamingSMTP:
        # an admitted connection
        proto = AdmittedSMTP(
            self.handler, slot=slot, loop=asyncio.get_running_loop(), **self._session_kwargs
        )
        self._sessions.add(proto)
        return proto

    async def start(self) -> None:
        """Bind and listen; ``ListenError`` when the port is unusable."""
        make_private_dir(self._spool)
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                self._protocol,
                self.host,
                self.port,
                ssl=self._tls if self._implicit else None,
                reuse_address=True,
            )
        except OSError as err:
            raise ListenError(self.name, self.host, self.port, err) from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("%s listening on %s:%d", self.name, self.host, self.port)

    async def stop(self) -> None:
        """Stop listening, then close every session.

        A session in the middle of a delivery is not cut: delivery is shielded
        and its copy completes; the client just sees no 250 and retries (a
        duplicate at worst, never a loss).
        """
        if self._server is None:
            return
        self._server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await self._server.wait_closed()
        await asyncio.sleep(0)  # let connection_lost run for the closed transports
        self._server = None

    def status(self) -> SmtpStatus | InboundSmtpStatus:
        """Port and counters for the control socket (the supervisor adds name and state);
        the MX listener adds its antispam verdicts."""
        s = self.handler.stats
        status: SmtpStatus = {
            "address": self.host,
            "port": self.port,
            "connections": s.connections,
            "connections_total": s.connections_total,
            "accepted": s.accepted,
            "rejected": s.rejected,
            "auth_failures": s.auth_failures,
            "queued": s.queued,
        }
        if isinstance(self.handler, InboundHandler):
            return {**status, "antispam": self.handler.antispam_status()}
        return status


def build_smtp_services(
    config: Config,
    paths: DataPaths,
    users: UserDirectory,
    delivery: LocalDelivery,
    queue: OutboundQueue | None,
    throttle: AuthThrottle | None = None,
    *,
    tls: ssl.SSLContext,
) -> list[Service]:
    """Every SMTP listener the config asks for, not yet started.

    Args:
        config: the loaded configuration.
        paths: the data dir layout (spool, TLS material).
        users: the user directory (``mailcore.users.UserStore``).
        delivery: local delivery (``mailcore.delivery.MaildirDelivery``).
        queue: the outbound queue for remote recipients (None: submission
            refuses remote recipients with 451).
        throttle: shared with IMAP/POP3 so a storm counts everywhere; a new
            one when None.
        tls: the server context (``mailcore.certs.keeper``): STARTTLS and SMTPS.
    """
    host, mail = config.server.listen_address, config.mail
    throttle = throttle or AuthThrottle(config.security)
    common: dict[str, Any] = dict(
        max_size=mail.max_message_size,
        spool=spool_dir(paths),
        plaintext_auth_on_loopback=config.security.plaintext_auth_on_loopback,
    )
    inbound = InboundHandler(
        users,
        delivery,
        mail.hostname,
        mail.domain,
        checks=build_inbound_filter(config),
        office=throttle.office,
    )
    security = config.security
    inbound.harvest = HarvestGuard(security.max_unknown_recipients, security.lock_seconds)
    submission = SubmissionHandler(users, delivery, mail.hostname, mail.domain, throttle, queue)
    services: list[Service] = [
        SmtpService(
            "smtp",
            host,
            config.ports.smtp.internal,
            inbound,
            tls=tls,
            implicit_tls=False,
            limiter=ConnectionLimiter.for_server("smtp", config.server),
            **common,
        )
    ]
    sub_ports = list(
        dict.fromkeys([config.ports.submission.internal, *mail.submission_extra_ports])
    )
    for port in sub_ports:
        name = "submission" if port == config.ports.submission.internal else f"submission-{port}"
        services.append(
            SmtpService(
                name,
                host,
                port,
                submission,
                tls=tls,
                implicit_tls=False,
                limiter=ConnectionLimiter.for_server(name, config.server),
                **common,
            )
        )
    if mail.smtps_port:
        services.append(
            SmtpService(
                "smtps",
                host,
                mail.smtps_port,
                submission,
                tls=tls,
                implicit_tls=True,
                limiter=ConnectionLimiter.for_server("smtps", config.server),
                **common,
            )
        )
    return services
