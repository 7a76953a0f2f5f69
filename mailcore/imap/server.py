"""The IMAP service: an asyncio TCP server on ``ports.imap.internal`` with STARTTLS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from mailcore.connection_limits import ConnectionLimiter
from mailcore.imap.session import ImapSession, ImapSettings
from mailcore.interfaces import UserDirectory
from mailcore.listener import start_listener
from mailcore.mailstore import MailStore, watch
from mailcore.status import ImapStatus
from mailcore.throttle import AuthThrottle
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger("pmemail.imap")


class ImapService:
    """``mailcore.interfaces.Service`` for IMAP."""

    name = "imap"

    def __init__(
        self,
        settings: ImapSettings,
        host: str,
        port: int,
        owns_store: bool = True,
        limiter: ConnectionLimiter | None = None,
    ) -> None:
        """Serve ``settings`` on ``host:port`` (port 0 = ephemeral, read ``.port`` after start).

        ``owns_store`` False leaves the mail store open at stop (it is shared, e.g.
        with the webmail, which closes it). ``limiter`` caps the connections.
        """
        self.settings = settings
        self.limiter = limiter
        self.owns_store = owns_store
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._sessions: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.connections_total = 0

    async def start(self) -> None:
        """Bind the listening socket."""
        # where inotify is missing, each watched folder is polled at this interval
        watch.watcher().poll_interval = self.settings.idle_poll
        # The stream limit bounds one line; literals are read with readexactly.
        self._server, self.port = await start_listener(
            "IMAP",
            self._accept,
            self.host,
            self.port,
            limit=self.settings.max_line + 2,
            limiter=self.limiter,
            refusal=b"* BYE [UNAVAILABLE] Too many connections, try again later\r\n",
        )
        log.info("imap listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting, end sessions, close the mailbox indexes."""
        if self._server is not None:
            self._server.close()
            self._server = None
        # Closing the sockets ends each session at its next read; cancelling the
        # tasks instead makes asyncio's stream callback log a CancelledError.
        for writer in self._sessions.values():
            writer.transport.abort()
        if self._sessions:
            _, pending = await asyncio.wait(list(self._sessions), timeout=5)
            for task in pending:
                task.cancel()
        if self.owns_store:
            self.settings.store.close()

    def status(self) -> ImapStatus:
        """Port, connections now and since start, and whether STARTTLS is offered."""
        return {
            "listening": self._server is not None,
            "address": self.host,
            "port": self.port,
            "connections": len(self._sessions),
            "connections_total": self.connections_total,
            "starttls": self.settings.tls_context is not None,
        }

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions[task] = writer
        self.connections_total += 1
        session = ImapSession(reader, writer, self.settings)
        try:
            await session.run()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("imap session from %s crashed", session.peer)
        finally:
            self._sessions.pop(task, None)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 5)


def build_imap_service(
    config: Config,
    paths: DataPaths,
    users: UserDirectory,
    throttle: AuthThrottle,
    store: MailStore | None = None,
    *,
    tls: ssl.SSLContext,
) -> ImapService:
    """The IMAP service for ``pmemail serve``.

    ``store`` lets the webmail share the same open mailboxes (and so see IMAP
    changes at once); by default a store over ``paths.maildirs`` is created.
    ``tls`` is the server context (``mailcore.certs.keeper``) offered by STARTTLS.
    """
    settings = ImapSettings(
        users=users,
        throttle=throttle,
        store=store or MailStore(paths.maildirs),
        tls_context=tls,
        plaintext_on_loopback=config.security.plaintext_auth_on_loopback,
        greeting=f"{config.mail.hostname} IMAP4rev1 server ready",
        idle_timeout=config.imap.idle_timeout,
        login_timeout=config.imap.login_timeout,
        idle_poll=config.imap.idle_poll,
        max_literal=config.mail.max_message_size,
        spool_dir=paths.root / "spool",
    )
    return ImapService(
        settings,
        config.server.listen_address,
        config.ports.imap.internal,
        owns_store=store is None,
        limiter=ConnectionLimiter.for_server("imap", config.server),
    )
