"""The POP3 session state machine (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).

States: AUTHORIZATION -> TRANSACTION -> UPDATE (only on QUIT after login).
A session talks to a ``Connection`` (a real socket in ``server.py``, an
in-memory pair in the transcript tests). Every bad input gets ``-ERR`` with a
reason; only end of stream, idle timeout or QUIT end the session.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import ssl
from collections.abc import Awaitable, Callable

from mailcore.local_peer import is_local_peer
from mailcore.password_checks import check_password
from mailcore.pop3 import wire
from mailcore.pop3.context import Connection, Pop3Settings
from mailcore.pop3.maildrop import Maildrop, MaildropInUse, Message, NoSuchMessage
from mailcore.resource_errors import exhausted, log_exhausted
from mailcore.throttle import Locked

log = logging.getLogger("pmemail.pop3")


class State(enum.Enum):
    """RFC 1939 session states."""

    AUTHORIZATION = "AUTHORIZATION"
    TRANSACTION = "TRANSACTION"
    UPDATE = "UPDATE"


_Handler = Callable[["Pop3Session", wire.Command], Awaitable[None]]
_AUTH_ONLY = frozenset({State.AUTHORIZATION})
_TRANS_ONLY = frozenset({State.TRANSACTION})
_ANY = frozenset({State.AUTHORIZATION, State.TRANSACTION})
MAX_NUMBER_DIGITS = 9


class Pop3Session:
    """One client connection, from greeting to QUIT (or hang-up)."""

    def __init__(self, conn: Connection, settings: Pop3Settings) -> None:
        """Serve ``conn`` with ``settings``; call ``run()``."""
        self.conn = conn
        self.settings = settings
        self.state = State.AUTHORIZATION
        self.user: str | None = None  # authenticated address
        self._pending_user: str | None = None  # after USER, before PASS
        self.maildrop: Maildrop | None = None
        self._done = False

    # -- main loop -------------------------------------------------------------

    async def run(self) -> None:
        """Greet, then read and answer commands until the session ends."""
        try:
            await self._send(wire.ok(self.settings.greeting))
            while not self._done:
                try:
                    silence = (
                        self.settings.login_timeout
                        if self.state == State.AUTHORIZATION
                        else self.settings.idle_timeout
                    )
                    line = await asyncio.wait_for(
                        self.conn.readline(wire.MAX_COMMAND_LINE), silence
                    )
                except TimeoutError:
                    await self._send(wire.err("autologout: idle for too long"))
                    break
                except wire.LineTooLong as exc:
                    await self._send(wire.err(str(exc)))
                    continue
                if line is None:
                    break
                await self._dispatch(line)
        except (ConnectionError, TimeoutError, ssl.SSLError) as exc:
            log.info("pop3 connection from %s ended: %s", self.conn.peer_host, exc)
        finally:
            self._release()

    async def _dispatch(self, line: bytes) -> None:
        try:
            cmd = wire.parse_command(line)
        except wire.WireError as exc:
            await self._send(wire.err(str(exc)))
            return
        entry = _COMMANDS.get(cmd.verb)
        if entry is None:
            await self._send(wire.err(f"unknown command {cmd.verb}"))
            return
        states, handler = entry
        if self.state not in states:
            when = "before login" if self.state is State.AUTHORIZATION else "after login"
            await self._send(wire.err(f"{cmd.verb} is not valid {when}"))
            return
        try:
            await handler(self, cmd)
        except wire.WireError as exc:
            await self._send(wire.err(str(exc)))
        except NoSuchMessage as exc:
            await self._send(wire.err(str(exc)))
        except FileNotFoundError:
            await self._send(wire.err("[SYS/TEMP] message was removed by another program"))
        except (ConnectionError, TimeoutError, ssl.SSLError):
            raise
        except Exception as exc:
            if exhausted(exc):  # no descriptor or disk left: temporary, one log line a minute
                log_exhausted("pop3", exc)
                await self._send(wire.err("[SYS/TEMP] server resources exhausted, try later"))
                return
            # A bug must cost one command, not the connection (and never a traceback).
            log.exception("pop3 command %s failed", cmd.verb)
            await self._send(wire.err("[SYS/TEMP] internal server error"))

    async def _send(self, data: bytes) -> None:
        self.conn.write(data)
        await asyncio.wait_for(self.conn.drain(), self.settings.idle_timeout)

    def _release(self) -> None:
        if self.maildrop is not None:
            self.maildrop.close()
            self.maildrop = None

    # -- helpers -----------------------------------------------------------------

    def _plaintext_allowed(self) -> bool:
        if self.conn.is_tls:
            return True
        if not self.settings.plaintext_on_loopback:
            return False
        return is_local_peer(self.conn.peer_host)

    def _drop(self) -> Maildrop:
        assert self.maildrop is not None  # TRANSACTION state guarantees it
        return self.maildrop

    def capabilities(self) -> list[str]:
        """The CAPA list for the current state and transport."""
        caps = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if self.state is State.AUTHORIZATION:
            if self._plaintext_allowed():
                caps += ["USER", "SASL PLAIN"]
            if self.settings.tls_context is not None and not self.conn.is_tls:
                caps.append("STLS")
        caps.append("IMPLEMENTATION pmemail")
        return caps

    async def _login(self, address: str, password: str) -> None:
        ip = self.conn.peer_host
        throttle = self.settings.throttle
        try:
            attempt = await throttle.acquire(ip, address)
        except Locked as exc:
            await self._send(wire.err(f"[AUTH] {exc}"))
            return
        with attempt:
            user = await check_password(self.settings.users, address, password)
            if user is None:
                await attempt.failed()
                await self._send(wire.err("[AUTH] invalid user name or password"))
                return
            attempt.succeeded()
        if user.protocol != "pop3":
            await self._send(wire.err("[AUTH] this account uses IMAP"))
            return
        try:
            root = self.settings.maildir_for(user.address)
            drop = await asyncio.to_thread(Maildrop.open, root, self.settings.sizes)
        except MaildropInUse:
            await self._send(wire.err("[IN-USE] maildrop already locked by another session"))
            return
        except (OSError, ValueError) as exc:
            log.error("pop3: cannot open maildrop of %s: %s", user.address, exc)
            await self._send(wire.err("[SYS/TEMP] cannot open maildrop"))
            return
        self.maildrop, self.user, self.state = drop, user.address, State.TRANSACTION
        count, octets = drop.stat()
        log.info("pop3 login user=%s ip=%s messages=%d", user.address, ip, count)
        await self._send(wire.ok(f"maildrop has {count} messages ({octets} octets)"))

    async def _send_message(self, number: int, body_lines: int | None) -> None:
        drop = self._drop()
        msg = drop.get(number)
        chunks = drop.chunks(msg, body_lines)
        try:
            piece = await asyncio.to_thread(next, chunks, None)  # FileNotFoundError before +OK
            status = f"{msg.size} octets" if body_lines is None else "top of message follows"
            self.conn.write(wire.ok(status))
            while piece is not None:
                await self._send(piece)
                piece = await asyncio.to_thread(next, chunks, None)
        finally:
            chunks.close()
        await self._send(wire.TERMINATOR)

    # -- AUTHORIZATION -----------------------------------------------------------

    async def cmd_capa(self, cmd: wire.Command) -> None:
        """CAPA (RFC 2449)."""
        caps = [c.encode() for c in self.capabilities()]
        await self._send(wire.multiline(wire.ok("capability list follows"), caps))

    async def cmd_stls(self, cmd: wire.Command) -> None:
        """STLS (RFC 2595): TLS before any credentials."""
        ctx = self.settings.tls_context
        if cmd.args:
            raise wire.WireError("STLS takes no argument")
        if self.conn.is_tls:
            raise wire.WireError("TLS is already active")
        if ctx is None:
            raise wire.WireError("STLS is not available on this server")
        if self.conn.pending():
            # Commands pipelined after STLS would cross into the TLS session (CVE-2011-0411).
            raise wire.WireError("STLS must be the last command of a pipeline")
        self._pending_user = None
        await self.conn.start_tls(ctx, wire.ok("begin TLS negotiation"))

    async def cmd_user(self, cmd: wire.Command) -> None:
        """USER name."""
        if not self._plaintext_allowed():
            raise wire.WireError("[AUTH] USER/PASS only after STLS")
        if len(cmd.args) != 1:
            raise wire.WireError("usage: USER <address>")
        self._pending_user = cmd.args[0]
        await self._send(wire.ok("send your password"))

    async def cmd_pass(self, cmd: wire.Command) -> None:
        """PASS password (the rest of the line: passwords may contain spaces)."""
        if not self._plaintext_allowed():
            raise wire.WireError("[AUTH] USER/PASS only after STLS")
        address, self._pending_user = self._pending_user, None
        if address is None:
            raise wire.WireError("PASS must follow USER")
        if not cmd.rest:
            raise wire.WireError("usage: PASS <password>")
        await self._login(address, cmd.rest)

    async def cmd_auth(self, cmd: wire.Command) -> None:
        """AUTH PLAIN [initial-response] (RFC 5034); bare AUTH lists mechanisms."""
        if not cmd.args:
            await self._send(wire.multiline(wire.ok("SASL mechanisms follow"), [b"PLAIN"]))
            return
        if cmd.args[0].upper() != "PLAIN" or len(cmd.args) > 2:
            raise wire.WireError(f"unsupported mechanism {cmd.args[0][:20]}; use PLAIN")
        if not self._plaintext_allowed():
            raise wire.WireError("[AUTH] AUTH PLAIN only after STLS")
        if len(cmd.args) == 2:
            response = "" if cmd.args[1] == "=" else cmd.args[1]
        else:
            await self._send(b"+ \r\n")
            line = await asyncio.wait_for(
                self.conn.readline(wire.MAX_SASL_LINE), self.settings.idle_timeout
            )
            if line is None:
                self._done = True
                return
            response = line.decode("ascii", "replace").strip()
            if response == "*":
                raise wire.WireError("authentication cancelled")
        _authz, authc, password = wire.decode_sasl_plain(response)
        if _authz and _authz.lower() != authc.lower():
            raise wire.WireError("[AUTH] authorization identity must be empty or your own")
        await self._login(authc, password)

    async def cmd_quit(self, cmd: wire.Command) -> None:
        """QUIT: in TRANSACTION, enter UPDATE and remove deleted messages."""
        self._done = True
        if self.state is State.AUTHORIZATION:
            await self._send(wire.ok("bye"))
            return
        self.state = State.UPDATE
        drop = self._drop()
        failed = await asyncio.to_thread(drop.commit)
        left = len(drop.live())
        self._release()
        if failed:
            await self._send(wire.err(f"[SYS/TEMP] {failed} deleted messages not removed"))
        else:
            await self._send(wire.ok(f"bye ({left} messages left)"))

    # -- TRANSACTION --------------------------------------------------------------

    async def cmd_stat(self, cmd: wire.Command) -> None:
        """STAT: count and octets of the undeleted messages."""
        _no_args(cmd)
        count, octets = self._drop().stat()
        await self._send(wire.ok(f"{count} {octets}"))

    async def cmd_list(self, cmd: wire.Command) -> None:
        """LIST [msg]: sizes."""
        await self._listing(cmd, lambda n, m: f"{n} {m.size}")

    async def cmd_uidl(self, cmd: wire.Command) -> None:
        """UIDL [msg]: unique ids (stable: the Maildir unique name)."""
        await self._listing(cmd, lambda n, m: f"{n} {m.uid}")

    async def _listing(self, cmd: wire.Command, fmt: Callable[[int, Message], str]) -> None:
        drop = self._drop()
        if len(cmd.args) > 1:
            raise wire.WireError(f"usage: {cmd.verb} [message number]")
        if cmd.args:
            number = _number(cmd.args[0])
            await self._send(wire.ok(fmt(number, drop.get(number))))
            return
        count, octets = drop.stat()
        lines = [fmt(n, m).encode() for n, m in drop.live()]
        await self._send(wire.multiline(wire.ok(f"{count} messages ({octets} octets)"), lines))

    async def cmd_retr(self, cmd: wire.Command) -> None:
        """RETR msg: the whole message, CRLF and byte-stuffed."""
        if len(cmd.args) != 1:
            raise wire.WireError("usage: RETR <message number>")
        await self._send_message(_number(cmd.args[0]), None)

    async def cmd_top(self, cmd: wire.Command) -> None:
        """TOP msg n: the header and the first n body lines."""
        if len(cmd.args) != 2:
            raise wire.WireError("usage: TOP <message number> <lines>")
        number, lines = _number(cmd.args[0]), _number(cmd.args[1], "line count")
        await self._send_message(number, lines)

    async def cmd_dele(self, cmd: wire.Command) -> None:
        """DELE msg: mark for removal at QUIT."""
        if len(cmd.args) != 1:
            raise wire.WireError("usage: DELE <message number>")
        number = _number(cmd.args[0])
        self._drop().get(number).deleted = True
        await self._send(wire.ok(f"message {number} deleted"))

    async def cmd_rset(self, cmd: wire.Command) -> None:
        """RSET: unmark every deleted message."""
        _no_args(cmd)
        drop = self._drop()
        drop.undelete_all()
        count, octets = drop.stat()
        await self._send(wire.ok(f"maildrop has {count} messages ({octets} octets)"))

    async def cmd_noop(self, cmd: wire.Command) -> None:
        """NOOP."""
        _no_args(cmd)
        await self._send(wire.ok())


def _no_args(cmd: wire.Command) -> None:
    if cmd.args:
        raise wire.WireError(f"{cmd.verb} takes no argument")


def _number(text: str, what: str = "message number") -> int:
    if not text.isascii() or not text.isdigit() or len(text) > MAX_NUMBER_DIGITS:
        raise wire.WireError(f"invalid {what} {text[:20]!r}")
    return int(text)


_COMMANDS: dict[str, tuple[frozenset[State], _Handler]] = {
    "CAPA": (_ANY, Pop3Session.cmd_capa),
    "QUIT": (_ANY, Pop3Session.cmd_quit),
    "STLS": (_AUTH_ONLY, Pop3Session.cmd_stls),
    "USER": (_AUTH_ONLY, Pop3Session.cmd_user),
    "PASS": (_AUTH_ONLY, Pop3Session.cmd_pass),
    "AUTH": (_AUTH_ONLY, Pop3Session.cmd_auth),
    "STAT": (_TRANS_ONLY, Pop3Session.cmd_stat),
    "LIST": (_TRANS_ONLY, Pop3Session.cmd_list),
    "UIDL": (_TRANS_ONLY, Pop3Session.cmd_uidl),
    "RETR": (_TRANS_ONLY, Pop3Session.cmd_retr),
    "TOP": (_TRANS_ONLY, Pop3Session.cmd_top),
    "DELE": (_TRANS_ONLY, Pop3Session.cmd_dele),
    "RSET": (_TRANS_ONLY, Pop3Session.cmd_rset),
    "NOOP": (_TRANS_ONLY, Pop3Session.cmd_noop),
}
