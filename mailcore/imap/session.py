"""One IMAP connection: the state machine, dispatch, and the connection-level commands.

States (RFC 3501 section 3): not authenticated -> authenticated -> selected, and logout.
Commands live in ``auth_cmds``, ``idle_cmd``, ``mailbox_cmds``, ``list_cmd``, ``message_cmds``
and ``sort_cmd``; each handler returns the tagged result or raises ``No``/``Bad``; any other
exception is logged and answered with a tagged BAD: the connection is never dropped for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from mailcore.imap import auth_cmds, idle_cmd, list_cmd, mailbox_cmds, message_cmds, sort_cmd
from mailcore.imap.capabilities import BASE_CAPS
from mailcore.imap.commands import Command, CommandError, parse_command, parse_tag
from mailcore.imap.errors import Bad, No
from mailcore.imap.fetch import MessageCache, Piece
from mailcore.imap.lexer import ParseError
from mailcore.imap.reader import CommandReader, InputError
from mailcore.imap.response import render, tagged, untagged
from mailcore.imap.selected import SelectedView
from mailcore.interfaces import User, UserDirectory
from mailcore.local_peer import is_local_peer
from mailcore.mailstore import Mailbox, MailStore
from mailcore.resource_errors import exhausted, log_exhausted
from mailcore.throttle import AuthThrottle

log = logging.getLogger("pmemail.imap")

NOT_AUTH, AUTH, SELECTED, LOGOUT = "not authenticated", "authenticated", "selected", "logout"
_ANY = frozenset({NOT_AUTH, AUTH, SELECTED})
_ALLOWED: dict[str, frozenset[str]] = {
    **dict.fromkeys(["CAPABILITY", "NOOP", "LOGOUT", "ID"], _ANY),
    **dict.fromkeys(["STARTTLS", "LOGIN", "AUTHENTICATE"], frozenset({NOT_AUTH})),
    **dict.fromkeys(
        [
            "ENABLE",
            "SELECT",
            "EXAMINE",
            "CREATE",
            "DELETE",
            "RENAME",
            "SUBSCRIBE",
            "UNSUBSCRIBE",
            "LIST",
            "LSUB",
            "STATUS",
            "APPEND",
            "NAMESPACE",
            "IDLE",
        ],
        frozenset({AUTH, SELECTED}),
    ),
    **dict.fromkeys(
        ["CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE"],
        frozenset({SELECTED}),
    ),
    **dict.fromkeys(sort_cmd.HANDLERS, frozenset({SELECTED})),
}
_FLUSH_AT = 1 << 18

Handler = Callable[["ImapSession", Command], Awaitable[tuple[str, str]]]


@dataclass
class ImapSettings:
    """What a session needs from the server."""

    users: UserDirectory
    throttle: AuthThrottle
    store: MailStore
    tls_context: ssl.SSLContext | None
    plaintext_on_loopback: bool = False
    greeting: str = "IMAP4rev1 server ready"
    idle_timeout: float = 1800.0
    login_timeout: float = 60.0  # before login: an idle stranger must not hold a descriptor
    idle_poll: float = 0.4  # folders polled this often where inotify is missing
    max_line: int = 65536
    max_literal: int = 157_286_400  # mail.max_message_size's default
    spool_dir: Path | None = None  # large APPEND messages land here (None: system temp)
    spool_threshold: int = 1 << 20  # APPEND messages up to this size stay in memory
    cache: MessageCache = field(default_factory=MessageCache)  # shared by all sessions


class ImapSession:
    """Serve one client over an asyncio stream pair."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, settings: ImapSettings
    ) -> None:
        self.writer = writer
        self.settings = settings
        self.input = CommandReader(
            reader,
            self.continuation,
            settings.max_line,
            settings.max_literal,
            settings.spool_dir,
            settings.spool_threshold,
        )
        peer = writer.get_extra_info("peername")
        self.peer: str = str(peer[0]) if peer else ""
        self.tls = writer.get_extra_info("sslcontext") is not None
        self.state = NOT_AUTH
        self.user: User | None = None
        self.mailbox: Mailbox | None = None
        self.selected: SelectedView | None = None
        self.cache = settings.cache
        self.condstore = False
        self.qresync = False
        self._out = bytearray()
        self.said_bye = False

    # -- output ------------------------------------------------------------

    def send(self, data: bytes | bytearray) -> None:
        """Queue response bytes (written in one go by ``flush``: one syscall per
        command instead of one per untagged line)."""
        self._out += data

    async def send_pieces(self, pieces: list[Piece]) -> None:
        """Queue a response whose large literals are sent from their files in chunks.

        A file that fails half-way ends the connection (its length was announced)."""
        for piece in pieces:
            if isinstance(piece, bytes):
                self.send(piece)
                continue
            await self.flush()
            try:
                for chunk in piece.chunks():
                    self.writer.write(chunk)
                    await self.writer.drain()
                    await asyncio.sleep(0)  # drain() does not yield while the buffer has room
            except OSError as exc:
                log.warning("imap: %s unreadable while sending it: %s", piece.path, exc)
                raise ConnectionResetError from None

    def bye(self, text: str) -> None:
        """Queue ``* BYE``: after it only LOGOUT's tagged OK may be sent (RFC 3501
        7.1.5), so no pending EXPUNGE or FETCH of the selected folder follows it."""
        self.send(untagged("BYE " + text))
        self.said_bye = True

    async def flush(self) -> None:
        """Write queued bytes and wait for the socket buffer to drain."""
        if self._out:
            self.writer.write(bytes(self._out))
            self._out.clear()
        await self.writer.drain()

    async def flush_if_large(self) -> None:
        """Flush when a long answer (FETCH 1:* on a big mailbox) has piled up, and give
        other sessions a turn (drain() does not yield while the socket buffer has room)."""
        if len(self._out) > _FLUSH_AT:
            await self.flush()
            await asyncio.sleep(0)

    async def continuation(self, line: bytes) -> None:
        """Send a continuation request (``+ ...``) at once: the client waits for it."""
        self.send(line)
        await self.flush()

    def capabilities(self) -> list[str]:
        """Capabilities for the current state and transport."""
        caps = list(BASE_CAPS)
        if self.state == NOT_AUTH:
            if not self.tls and self.settings.tls_context is not None:
                caps.append("STARTTLS")
            if self.login_allowed():
                caps.append("AUTH=PLAIN")
            else:
                caps.append("LOGINDISABLED")
        return caps

    def login_allowed(self) -> bool:
        """Passwords only over TLS, or from loopback when the config allows it."""
        if self.tls:
            return True
        if not self.settings.plaintext_on_loopback:
            return False
        return is_local_peer(self.peer)

    # -- main loop -------------------------------------------------------------

    async def run(self) -> None:
        """Greet, then read and answer commands until LOGOUT or EOF."""
        caps = " ".join(self.capabilities())
        self.send(f"* OK [CAPABILITY {caps}] {self.settings.greeting}\r\n".encode())
        try:
            while self.state != LOGOUT:
                await self.flush()
                try:
                    # RFC 3501's 30-minute autologout applies once logged in
                    silence = (
                        self.settings.idle_timeout if self.user else self.settings.login_timeout
                    )
                    data = await asyncio.wait_for(self.input.read_command(), silence)
                except TimeoutError:
                    self.bye("autologout: idle for too long")
                    break
                except InputError as exc:
                    tag = parse_tag(exc.line)
                    self.send(tagged(tag, "NO" if exc.code else "BAD", str(exc), exc.code))
                    if exc.fatal:
                        self.bye("input out of sync")
                        break
                    continue
                if data is None:
                    break
                try:
                    await self._one(data.data, data.spooled)
                finally:
                    data.discard()
        finally:
            with contextlib.suppress(ConnectionError):
                await self.flush()
            if self.selected is not None:
                self.selected.close()

    async def _one(self, data: bytes, spooled: dict[int, Path]) -> None:
        try:
            cmd = parse_command(data, spooled)
        except CommandError as exc:
            self.send(tagged(exc.tag, "BAD", str(exc)))
            return
        except ParseError as exc:
            self.send(tagged("*", "BAD", str(exc)))
            return
        allowed = _ALLOWED.get(cmd.name, _ANY)
        if self.state not in allowed:
            self.send(tagged(cmd.tag, "BAD", f"{cmd.name} not allowed in state {self.state}"))
            return
        handler = _HANDLERS.get(cmd.name)
        if handler is None:
            self.send(tagged(cmd.tag, "BAD", f"unknown command {cmd.name}"))
            return
        try:
            text, code = await handler(self, cmd)
            status = "OK"
        except No as exc:
            status, text, code = "NO", str(exc), exc.code
        except Bad as exc:
            status, text, code = "BAD", str(exc), ""
        except _AlreadyAnswered:
            return
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as exc:
            if exhausted(exc):  # no descriptor or disk left: temporary, one log line a minute
                log_exhausted("imap", exc)
                status, text, code = "NO", "Out of server resources, try later", "UNAVAILABLE"
            else:
                log.exception("imap %s from %s failed", cmd.name, self.peer)
                status, text, code = "BAD", f"{cmd.name} failed: internal error (logged)", ""
        if not self.said_bye:
            await self.refresh()
            self.flush_updates(cmd)
        self.send(tagged(cmd.tag, status, text, code))

    async def refresh(self) -> None:
        """Take in what other writers put on disk (scanned off the event loop)."""
        if self.selected is not None:
            try:
                await self.selected.folder.refresh()
            except OSError as exc:
                log.warning("imap sync of %s failed: %s", self.selected.folder.path, exc)

    def flush_updates(self, cmd: Command | None) -> None:
        """Send pending untagged changes of the selected folder (call ``refresh`` first).

        Nothing once ``* BYE`` is said: Dovecot, too, drops what a leaving client
        would not read (RFC 3501 7.1.5)."""
        if self.selected is None or self.said_bye:
            return
        no_expunge = (
            cmd is not None
            and cmd.name in ("FETCH", "STORE", "SEARCH", "SORT", "THREAD")
            and not (cmd.uid and cmd.name != "STORE")
        )
        for line in self.selected.updates(allow_expunge=not no_expunge):
            self.send(line)

    def select(self, view: SelectedView | None) -> None:
        """Change (or drop) the selected folder."""
        if self.selected is not None:
            self.selected.close()
        self.selected = view
        self.state = SELECTED if view is not None else (AUTH if self.user else NOT_AUTH)

    # -- connection-level commands ------------------------------------------------

    async def cmd_capability(self, cmd: Command) -> tuple[str, str]:
        """CAPABILITY."""
        self.send(untagged("CAPABILITY " + " ".join(self.capabilities())))
        return "CAPABILITY completed", ""

    async def cmd_noop(self, cmd: Command) -> tuple[str, str]:
        """NOOP (and CHECK): updates are flushed by the dispatcher."""
        return f"{cmd.name} completed", ""

    async def cmd_logout(self, cmd: Command) -> tuple[str, str]:
        """LOGOUT."""
        self.bye("logging out")
        self.state = LOGOUT
        return "LOGOUT completed", ""

    async def cmd_id(self, cmd: Command) -> tuple[str, str]:
        """ID (RFC 2971)."""
        self.send(b"* ID " + render(["name", "pmemail"]) + b"\r\n")
        return "ID completed", ""

    async def cmd_enable(self, cmd: Command) -> tuple[str, str]:
        """ENABLE (RFC 5161): CONDSTORE, and QRESYNC which implies it (RFC 7162 3.2.3)."""
        enabled = [x for x in dict.fromkeys(cmd.items) if x in ("CONDSTORE", "QRESYNC")]
        if enabled:
            self.enable_condstore()
        if "QRESYNC" in enabled:
            self.qresync = True
            if self.selected is not None:
                self.selected.qresync = True
        self.send(untagged(" ".join(["ENABLED", *enabled])))
        return "ENABLE completed", ""

    def enable_condstore(self) -> None:
        """From now on, untagged FETCH responses carry MODSEQ (RFC 7162 3.1)."""
        self.condstore = True
        if self.selected is not None:
            self.selected.condstore = True

    async def cmd_starttls(self, cmd: Command) -> tuple[str, str]:
        """STARTTLS: answer, then handshake on the same socket."""
        ctx = self.settings.tls_context
        if self.tls:
            raise Bad("TLS is already active")
        if ctx is None:
            raise No("TLS is not configured")
        self.send(tagged(cmd.tag, "OK", "Begin TLS negotiation now"))
        await self.flush()
        # Plaintext pipelined after STARTTLS must not be run as if it came over TLS
        # (the command-injection flaw of CVE-2011-0411); StreamReader has no public API.
        self.input.reader._buffer.clear()  # type: ignore[attr-defined]
        try:
            await self.writer.start_tls(ctx)
        except (ssl.SSLError, OSError) as exc:
            log.info("imap TLS handshake with %s failed: %s", self.peer, exc)
            self.state = LOGOUT
            raise ConnectionResetError from None
        self.tls = True
        raise _AlreadyAnswered

    def logged_in(self, user: User) -> None:
        """Enter the authenticated state as ``user`` (after LOGIN or AUTHENTICATE)."""
        self.user = user
        self.mailbox = self.settings.store.mailbox(user.address)
        self.state = AUTH


class _AlreadyAnswered(Exception):
    """The handler sent its tagged answer itself (STARTTLS)."""


_HANDLERS: dict[str, Handler] = {
    "CAPABILITY": ImapSession.cmd_capability,
    "NOOP": ImapSession.cmd_noop,
    "CHECK": ImapSession.cmd_noop,
    "LOGOUT": ImapSession.cmd_logout,
    "ID": ImapSession.cmd_id,
    "ENABLE": ImapSession.cmd_enable,
    "STARTTLS": ImapSession.cmd_starttls,
    **auth_cmds.HANDLERS,
    **idle_cmd.HANDLERS,
    **mailbox_cmds.HANDLERS,
    **list_cmd.HANDLERS,
    **message_cmds.HANDLERS,
    **sort_cmd.HANDLERS,
}
