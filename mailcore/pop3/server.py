"""The POP3 service: an asyncio TCP server on ``ports.pop3.internal`` with STLS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from mailcore.connection_limits import ConnectionLimiter
from mailcore.delivery import maildir_path
from mailcore.interfaces import UserDirectory
from mailcore.listener import start_listener, stop_listener
from mailcore.pop3.context import Pop3Settings
from mailcore.pop3.maildrop import SizeCache
from mailcore.pop3.session import Pop3Session
from mailcore.pop3.wire import LineReader
from mailcore.status import Pop3Status
from mailcore.throttle import AuthThrottle
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger("pmemail.pop3")


class StreamConnection:
    """``session.Connection`` over an asyncio stream pair."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        handshake_timeout: float = 60.0,
    ) -> None:
        """Wrap an accepted connection; a TLS handshake may last ``handshake_timeout`` s."""
        self._handshake_timeout = handshake_timeout
        self._reader = reader
        self._lines = LineReader(reader)
        self._writer = writer
        peer = writer.get_extra_info("peername")
        self.peer_host: str = str(peer[0]) if peer else ""
        self.is_tls = writer.get_extra_info("sslcontext") is not None

    async def readline(self, limit: int) -> bytes | None:
        """Next line (see ``LineReader.readline``)."""
        return await self._lines.readline(limit)

    def pending(self) -> bool:
        """Whether bytes after the current line are already buffered."""
        return self._lines.buffered() > 0

    def write(self, data: bytes) -> None:
        """Queue bytes."""
        self._writer.write(data)

    async def drain(self) -> None:
        """Flow control."""
        await self._writer.drain()

    async def start_tls(self, context: ssl.SSLContext, reply: bytes) -> None:
        """Send ``reply`` (the ``+OK``), then the server-side TLS handshake.

        Reading is paused before the reply goes out: a fast client's
        ClientHello must stay in the socket for the TLS layer instead of
        landing in the plaintext stream buffer (the handshake would hang).
        """
        transport = self._writer.transport
        if isinstance(transport, asyncio.ReadTransport):
            transport.pause_reading()
        self._writer.write(reply)
        await self._writer.drain()
        # Plaintext that arrived after STLS but before the +OK must never be
        # read as if it came over TLS (STARTTLS command injection).
        self._lines.discard_buffer()
        stream_buffer = getattr(self._reader, "_buffer", None)
        if isinstance(stream_buffer, bytearray):
            stream_buffer.clear()
        await self._writer.start_tls(context, ssl_handshake_timeout=self._handshake_timeout)
        self.is_tls = True

    def abort(self) -> None:
        """Drop the connection now (server shutdown): the session sees end of stream."""
        self._writer.transport.abort()

    async def close(self) -> None:
        """Close the socket, ignoring a peer that already left."""
        self._writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError):
            await asyncio.wait_for(self._writer.wait_closed(), 5)


class Pop3Service:
    """``mailcore.interfaces.Service`` for POP3."""

    name = "pop3"

    def __init__(
        self,
        settings: Pop3Settings,
        host: str,
        port: int,
        limiter: ConnectionLimiter | None = None,
    ) -> None:
        """Serve ``settings`` on ``host:port`` (port 0 = ephemeral, see ``.port``).

        ``limiter`` caps the connections (None = no cap).
        """
        self.settings = settings
        self.limiter = limiter
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._sessions: dict[asyncio.Task[None], StreamConnection] = {}
        self.connections_total = 0

    async def start(self) -> None:
        """Bind the listening socket."""
        self._server, self.port = await start_listener(
            "POP3",
            self._accept,
            self.host,
            self.port,
            limiter=self.limiter,
            refusal=b"-ERR [SYS/TEMP] Too many connections, try again later\r\n",
        )
        log.info("pop3 listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting and end sessions (uncommitted DELEs are kept, per RFC 1939)."""
        # sessions end by their normal path: the maildrop lock is released
        server, self._server = self._server, None
        await stop_listener(server, self._sessions)

    def status(self) -> Pop3Status:
        """Port, connections now and since start, and whether STLS is offered."""
        return {
            "listening": self._server is not None,
            "address": self.host,
            "port": self.port,
            "connections": len(self._sessions),
            "connections_total": self.connections_total,
            "stls": self.settings.tls_context is not None,
        }

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        conn = StreamConnection(reader, writer, self.settings.login_timeout)
        self._sessions[task] = conn
        self.connections_total += 1
        try:
            await Pop3Session(conn, self.settings).run()
        except Exception:
            log.exception("pop3 session from %s crashed", conn.peer_host)
        finally:
            self._sessions.pop(task, None)
            await conn.close()


def build_pop3_service(
    config: Config,
    paths: DataPaths,
    users: UserDirectory,
    throttle: AuthThrottle,
    *,
    tls: ssl.SSLContext,
) -> Pop3Service:
    """The POP3 service for ``pmemail serve`` (STLS always offered, with ``tls``)."""
    settings = Pop3Settings(
        users=users,
        throttle=throttle,
        maildir_for=lambda address: maildir_path(paths, address),
        tls_context=tls,
        plaintext_on_loopback=config.security.plaintext_auth_on_loopback,
        idle_timeout=config.pop3.idle_timeout,
        login_timeout=config.pop3.login_timeout,
        sizes=SizeCache(),
        greeting=f"{config.mail.hostname} POP3 server ready",
    )
    return Pop3Service(
        settings,
        config.server.listen_address,
        config.ports.pop3.internal,
        ConnectionLimiter.for_server("pop3", config.server),
    )
