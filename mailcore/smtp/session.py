"""aiosmtpd's SMTP protocol, adapted: DATA streamed to disk, PIPELINING, local AUTH.

aiosmtpd 1.4 keeps the whole DATA body in memory (a list of lines, then one
joined copy, then the handler's copy): a 100 MB drawing would cost 300 MB.
``StreamingSMTP.smtp_DATA`` instead reads the socket in large chunks, undoes
dot-stuffing on the fly and appends to a spool file, so memory stays flat
whatever the size. The handler receives the spool path in
``envelope.spool_path``; the first bytes of the file are the ``Received:``
header the handler gave for this transaction.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult

log = logging.getLogger("pmemail.smtp")

_END = b"\r\n.\r\n"
_END_PREFIXES = (b"\r\n.\r", b"\r\n.", b"\r\n", b"\r")  # longest first
_READ_ALL = 1 << 30  # StreamReader.read(n) returns what is buffered, at most n


def _carry_len(buf: bytes | bytearray) -> int:
    """Length of the longest suffix of ``buf`` that may start the end marker."""
    for prefix in _END_PREFIXES:
        if buf.endswith(prefix):
            return len(prefix)
    return 0


def is_loopback(peer: Any) -> bool:
    """Whether an asyncio ``peername`` is a loopback address."""
    try:
        return ipaddress.ip_address(peer[0]).is_loopback
    except (TypeError, ValueError, IndexError):
        return False


class StreamingSMTP(SMTP):
    """The SMTP protocol with a streaming, size-checked DATA."""

    # The reader's buffer limit: DATA chunks come from this buffer. Command lines
    # are still capped at 512 bytes by aiosmtpd's command_size_limits.
    line_length_limit = 1 << 17

    def __init__(self, handler: Any, *, spool_dir: Path, plaintext_auth_on_loopback: bool,
                 **kwargs: Any) -> None:
        """Like ``aiosmtpd.smtp.SMTP``; ``spool_dir`` receives DATA bodies."""
        super().__init__(handler, **kwargs)
        self.spool_dir = spool_dir
        self._plain_loopback = plaintext_auth_on_loopback

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Allow plaintext AUTH from loopback when configured (tests, local scripts)."""
        super().connection_made(transport)
        session: Any = self.session
        if self._plain_loopback and is_loopback(session.peer):
            self._auth_require_tls = False
        hook = getattr(self.event_handler, "connection_opened", None)
        if hook is not None and self._original_transport is None:
            hook(self)

    def connection_lost(self, error: Exception | None) -> None:
        """Tell the handler (connection counters) and clean up."""
        hook = getattr(self.event_handler, "connection_closed", None)
        if hook is not None:
            hook(self)
        super().connection_lost(error)

    async def smtp_DATA(self, arg: str) -> None:
        """Receive the body into a spool file, then let the handler deliver it."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        envelope: Any = self.envelope
        if not envelope.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: DATA")
            return
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.spool_dir, prefix="in-")
        spool = Path(name)
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as out:
                prefix = self.event_handler.received_header(self, self.session, self.envelope)
                out.write(prefix)
                await self.push("354 End data with <CR><LF>.<CR><LF>")
                size = await self._receive_body(out)
            if size is None:
                await self.push(f"552 5.3.4 Message exceeds fixed maximum message size "
                                f"of {self.data_size_limit} bytes")
                self._set_post_data_state()  # type: ignore[no-untyped-call]
                return
            envelope.spool_path = spool
            envelope.body_size = size
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push(status)
        finally:
            spool.unlink(missing_ok=True)  # delivery made its own copies

    async def _receive_body(self, out: Any) -> int | None:
        """Copy the body to ``out`` (dot-stuffing undone); its size, None if too big."""
        limit = self.data_size_limit or 0
        reader = self._reader
        buf = b"\r\n"  # a virtual line break: the body starts at a line start
        first, size, too_big = True, 0, False
        while True:
            # take the whole buffer: leftovers fed back below must come first
            chunk = await reader.read(_READ_ALL)
            if not chunk:
                raise ConnectionResetError("connection closed during DATA")
            self._reset_timeout()
            buf += chunk
            end = buf.find(_END)
            if end >= 0:
                body, rest = buf[:end + 2], buf[end + len(_END):]
            else:
                keep = _carry_len(buf)
                body, rest = buf[:len(buf) - keep], b""
                buf = buf[len(buf) - keep:]
            # a line starting with "." lost its first dot to transparency (RFC 5321 4.5.2)
            body = body.replace(b"\r\n.", b"\r\n")
            if first and len(body) >= 2:
                body, first = body[2:], False
            size += len(body)
            if limit and size > limit:
                too_big = True  # keep reading to the end marker, then answer 552
            elif body:
                out.write(body)
            if end >= 0:
                if rest and not reader.at_eof():
                    # pipelined commands after the final dot go back to the reader
                    reader.feed_data(rest)
                return None if too_big else size

    # -- AUTH: aiosmtpd's authenticator is synchronous; ours awaits the throttle
    # and runs scrypt in a thread, so these two mechanisms are re-implemented.

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        """AUTH PLAIN (RFC 4616): ``authzid NUL login NUL password``."""
        blob = await self._initial_or_challenge(args, "")
        if blob is None:
            return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x00")
        if len(parts) != 3:
            await self.push("501 5.5.2 Can't split auth value")
            return AuthResult(success=False, handled=True)
        return await self._check_login(parts[1], parts[2])

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:
        """AUTH LOGIN: user name and password in two base64 round trips."""
        login = await self._initial_or_challenge(args, self.AuthLoginUsernameChallenge)
        if login is None:
            return AuthResult(success=False, handled=True)
        password = await self.challenge_auth(self.AuthLoginPasswordChallenge)
        if password is MISSING:
            return AuthResult(success=False, handled=True)
        return await self._check_login(login, password)

    async def _initial_or_challenge(self, args: list[str], challenge: str) -> bytes | None:
        if len(args) == 1:
            got = await self.challenge_auth(challenge)
            return None if got is MISSING else bytes(got)
        try:
            return base64.b64decode(args[1].encode(), validate=True)
        except (binascii.Error, ValueError):
            await self.push("501 5.5.2 Can't decode base64")
            return None

    async def _check_login(self, login: bytes, password: bytes) -> AuthResult:
        try:
            user, pw = login.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return AuthResult(success=False, handled=False,
                              message="535 5.7.8 Authentication credentials invalid")
        result: AuthResult = await self.event_handler.check_login(self, user, pw)
        return result
