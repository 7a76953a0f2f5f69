"""The webmail as a ``mailcore.interfaces.Service``: HTTPS (by default) and port 80.

With HTTPS on, the webmail, autoconfig and autodiscover are served over TLS
(the server certificate) and port 80 carries only what plain HTTP may carry
(``mailcore.webmail.plain_http``). With HTTPS off, port 80 serves the webmail,
its login form only to the office's networks. The ACME HTTP-01 challenge is
answered on port 80 either way.

After the hand-over to Postfix and Dovecot (``port80_only``) the service is
``http``: port 80 alone, carrying the ACME challenge, Thunderbird's autoconfig
and the redirect, never the webmail (its mail store is Dovecot's now).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable

from aiohttp import web

from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.http_challenge import challenge_routes
from mailcore.connection_limits import AdmissionGate, ConnectionLimiter
from mailcore.interfaces import ListenError, ServiceStartError
from mailcore.status import WebmailStatus
from mailcore.webmail.app import build_app
from mailcore.webmail.context import WebmailContext
from mailcore.webmail.plain_http import (
    hsts_header,
    office_only_login,
    redirect_to_https,
)
from pmemail.config.https import origin

log = logging.getLogger("pmemail.webmail")
# over the connection caps: no page (no sentence to translate), the browser retries
TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class WebmailService:
    """HTTPS and port-80 listeners for the webmail."""

    name = "webmail"

    def __init__(
        self,
        ctx: WebmailContext,
        host: str,
        port: int,
        https_port: int | None = None,
        tls: ssl.SSLContext | None = None,
        *,
        caps: tuple[int, int] = (0, 0),
        first_request_timeout: float | None = None,
        board: ChallengeBoard | None = None,
        hsts: Callable[[], bool] = lambda: False,
        public_https_port: int = 443,
        port80_only: bool = False,
    ) -> None:
        """Listen on ``host:port`` (0 = ephemeral; read ``port`` after ``start``).

        Args:
            ctx: the shared handler context.
            host: address to bind.
            port: the HTTP port (ports.webmail.internal).
            https_port: HTTPS port (0 = ephemeral), None = HTTP only.
            tls: the server TLS context for HTTPS.
            caps: (connections in all, per client address) on each port; 0 = no cap.
            first_request_timeout: seconds a new connection may stay silent.
            board: the ACME challenges in flight, answered on the HTTP port.
            hsts: whether HTTPS responses carry HSTS (a trusted certificate is served).
            public_https_port: the HTTPS port as the internet sees it (the
                router's external port): where port 80 redirects to.
            port80_only: no HTTPS and no webmail: port 80 answers the challenge
                and autoconfig and redirects the rest (the service is ``http``).
        """
        self.ctx = ctx
        self.host = host
        self.port = port
        self.https_port = https_port if tls is not None else None
        self.tls = tls
        self._runners: list[web.AppRunner] = []
        self._servers: list[asyncio.Server] = []
        self._caps = caps
        self._first_request_timeout = first_request_timeout
        self.limiters: list[ConnectionLimiter] = []
        self.board = board
        self.hsts = hsts
        self.public_https_port = public_https_port
        self.port80_only = port80_only
        if port80_only:
            self.name = "http"
            self.https_port = None

    async def start(self) -> None:
        """Bind the sockets and start serving."""
        http_sock = self._bind_or_fail(self.port)
        https_sock = None
        if self.https_port is not None:
            try:
                https_sock = self._bind_or_fail(self.https_port)
            except ServiceStartError:
                http_sock.close()
                raise
        self.port = http_sock.getsockname()[1]
        challenge = challenge_routes(self.board) if self.board is not None else []
        if https_sock is not None and self.tls is not None:
            self.https_port = https_sock.getsockname()[1]
            https_app = build_app(self.ctx, on_prepare=[hsts_header(self.hsts)])
            await self._serve(https_app, https_sock, self.tls)
            config = self.ctx.config
            guard = redirect_to_https(
                origin("https", config.mail.hostname, self.public_https_port),
                lan=config.webmail.plain_http == "lan",
            )
        elif self.port80_only:  # nobody logs in here, the office neither
            config = self.ctx.config
            guard = redirect_to_https(
                origin("https", config.mail.hostname, self.public_https_port), lan=False
            )
        else:
            guard = office_only_login(self.public_https_port)
        await self._serve(build_app(self.ctx, guard=guard, extra_routes=challenge), http_sock, None)
        log.info(
            "webmail listening on http://%s:%d%s",
            self.host,
            self.port,
            f" and https port {self.https_port}" if https_sock else "",
        )

    def _bind_or_fail(self, port: int) -> socket.socket:
        try:
            return _bind(self.host, port)
        except OSError as exc:
            raise ListenError("webmail", self.host, port, exc) from None

    async def _serve(
        self, app: web.Application, sock: socket.socket, tls: ssl.SSLContext | None
    ) -> None:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        handler = runner.server
        assert handler is not None  # set by setup()
        limiter = ConnectionLimiter("webmail-https" if tls else "webmail", *self._caps)
        # What web.SockSite does, with each connection admitted by the limiter first
        server = await asyncio.get_running_loop().create_server(
            lambda: AdmissionGate(
                limiter, lambda _: handler(), TOO_MANY, self._first_request_timeout
            ),
            sock=sock,
            ssl=tls,
        )
        self.limiters.append(limiter)
        self._servers.append(server)
        self._runners.append(runner)

    async def stop(self) -> None:
        """Close the listeners and in-flight requests."""
        for server in self._servers:
            server.close()
        self._servers.clear()
        self.limiters.clear()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    def status(self) -> WebmailStatus:
        """Ports, sessions, requests and logins."""
        return {
            "listening": bool(self._runners),
            "address": self.host,
            "port": self.port,
            "https_port": self.https_port,
            "sessions": len(self.ctx.sessions),
            "requests_total": self.ctx.requests_total,
            "logins_total": self.ctx.logins_total,
        }
