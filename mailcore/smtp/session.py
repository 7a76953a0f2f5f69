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
import collections
import functools
import itertools
import logging
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, syntax

from mailcore.local_peer import is_local_peer
from mailcore.smtp.addresses import Routing
from pmemail.fsutil import make_private_dir

log = logging.getLogger("pmemail.smtp")

_END = b"\r\n.\r\n"
_END_PREFIXES = (b"\r\n.\r", b"\r\n.", b"\r\n", b"\r")  # longest first
_READ_ALL = 1 << 30  # StreamReader.read(n) returns what is buffered, at most n
_spool_seq = itertools.count()

# The everyday ``<local@domain> PARAMS`` argument of MAIL/RCPT. aiosmtpd parses
# every address with the RFC 5322 header parser (~0.3 ms each); for this plain
# shape its answer is just the text between the brackets, so it is taken
# directly. Anything else (quotes, routes, %, !, IP literals, UTF-8, spaces)
# still goes through aiosmtpd's parser, so the policy checks see the same thing.
_PLAIN_ADDR = re.compile(
    r"<([A-Za-z0-9#$&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9#$&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>(?:[ \t]+(.*))?\Z",
    re.ASCII,
)


# Control characters in a command argument (an EHLO name, an envelope address)
# would reach the Received: header, the queue and bounces (terminal escapes,
# NULs). HTAB stays allowed: it is whitespace between parameters.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_REPLY = "501 5.5.2 Control characters are not allowed"

_Command = Callable[[Any, str | None], Awaitable[Any]]
_SmtpClass = TypeVar("_SmtpClass", bound=type[SMTP])


def _refusing_controls(method: _Command) -> _Command:
    """``smtp_*`` function that answers 501 to an argument holding control characters.

    The wrapper returns the wrapped coroutine itself (no extra coroutine
    frame per command) and keeps the ``@syntax`` attributes HELP reads.
    """

    @functools.wraps(method)
    def guarded(self: SMTP, arg: str | None) -> Awaitable[Any]:
        if arg and _CONTROL.search(arg):
            return self.push(_CONTROL_REPLY)
        return method(self, arg)

    return guarded


def _every_command_refusing_controls(cls: _SmtpClass) -> _SmtpClass:
    """Wrap every ``smtp_*`` command of ``cls`` (own and inherited) in ``_refusing_controls``.

    aiosmtpd dispatches to the ``smtp_*`` methods it finds on the instance
    (its documented extension point), so wrapping them on the class covers
    every command without touching aiosmtpd's dispatch table.
    """
    for name in dir(cls):
        if name.startswith("smtp_"):
            setattr(cls, name, _refusing_controls(getattr(cls, name)))
    return cls


def _carry_len(buf: bytes | bytearray) -> int:
    """Length of the longest suffix of ``buf`` that may start the end marker."""
    for prefix in _END_PREFIXES:
        if buf.endswith(prefix):
            return len(prefix)
    return 0


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


class SpooledEnvelope(Envelope):
    """aiosmtpd's envelope plus what pmemail's DATA and handler hooks record."""

    def __init__(self) -> None:
        super().__init__()
        self.routing = Routing()  # where each accepted recipient goes (handle_RCPT)
        self.queue_id = ""  # the id in the Received: header and the logs
        self.spool_path: Path | None = None  # the received body (smtp_DATA)
        self.body_size = 0
        self.extra_headers = b""  # prepended at delivery (Authentication-Results, X-Spam-*)
        self.folder = ""  # where local copies go ("" = INBOX; "Junk")


@_every_command_refusing_controls
class StreamingSMTP(SMTP):
    """The SMTP protocol with a streaming, size-checked DATA; one per connection.

    Built the supported way, one instance per connection (aiosmtpd's
    constructor introspects the handler each time: ~0.3 ms). aiosmtpd
    internals still used, each commented where used and checked by
    ``tests/test_smtp_aiosmtpd_contract.py`` so an upgrade that drops one fails
    loudly (``pyproject.toml`` also keeps aiosmtpd below 1.5): ``_getaddr``,
    ``_auth_require_tls``, ``_reader`` and ``_reset_timeout``.
    ``_create_envelope`` is a hook aiosmtpd documents.
    """

    # The reader's buffer limit: DATA chunks come from this buffer. Command lines
    # are still capped at 512 bytes by aiosmtpd's command_size_limits.
    line_length_limit = 1 << 17

    def __init__(
        self, handler: Any, *, spool_dir: Path, plaintext_auth_on_loopback: bool, **kwargs: Any
    ) -> None:
        """Like ``aiosmtpd.smtp.SMTP``; ``spool_dir`` receives DATA bodies."""
        # aiosmtpd keeps command_size_limits on the class and every EHLO adds
        # to it: each session gets its own, so no session widens another's
        default = self.command_size_limit
        self.command_size_limits = collections.defaultdict(lambda: default)
        super().__init__(handler, **kwargs)
        self.spool_dir = spool_dir
        self._plain_loopback = plaintext_auth_on_loopback
        self._counted = False  # connection_opened called (STARTTLS runs connection_made again)

    def _create_envelope(self) -> SpooledEnvelope:
        """aiosmtpd's documented hook: our envelopes carry the spool and routing."""
        return SpooledEnvelope()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parser, with a fast path for plain ``<a@b>``."""
        # private, but the one place MAIL, RCPT and VRFY all parse an address
        match = _PLAIN_ADDR.match(arg)
        if match is not None and not self.local_part_limit:
            return match[1], match[2] or ""
        try:
            return super()._getaddr(arg)
        except (AttributeError, IndexError, TypeError, ValueError):
            # The stdlib header parser (not meant for hostile envelopes) breaks on
            # some malformed input, e.g. ``<"a b"@[IPv6``: unparseable, like
            # aiosmtpd's own HeaderParseError case, so a syntax reply, not a 500.
            return None, None

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        """EHLO, with MAIL's line allowance computed afresh rather than added again."""
        if hostname:
            self.command_size_limits.clear()
        await super().smtp_EHLO(hostname)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Allow plaintext AUTH from loopback when configured (tests, local scripts)."""
        super().connection_made(transport)
        session = self.session
        assert session is not None
        tls = transport.get_extra_info("ssl_object")
        if tls is not None and session.ssl is None:
            # implicit TLS (465): aiosmtpd only knows STARTTLS; say the session
            # is encrypted (Received "ESMTPS", no half-close) and allow AUTH
            session.ssl = {"ssl_object": tls}
            # private: the constructor's auth_require_tls, but what lifts it
            # (TLS from the first byte, a loopback peer) is known only now
            self._auth_require_tls = False
        peer = session.peer
        if self._plain_loopback and isinstance(peer, tuple) and is_local_peer(peer[0]):
            self._auth_require_tls = False
        hook = getattr(self.event_handler, "connection_opened", None)
        if hook is not None and not self._counted:
            self._counted = True
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
        envelope = self.envelope
        assert isinstance(envelope, SpooledEnvelope)  # made by _create_envelope
        if not envelope.rcpt_tos:
            await self.push("503 5.5.1 Error: need RCPT command")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: DATA")
            return
        # creating a file can wait for the file system journal (busy with the
        # fsyncs of other sessions' deliveries): never on the event loop
        loop = asyncio.get_running_loop()
        fd, spool = await loop.run_in_executor(None, self._open_spool)
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as out:
                prefix = self.event_handler.received_header(self, self.session, envelope)
                out.write(prefix)
                await self.push("354 End data with <CR><LF>.<CR><LF>")
                size = await self._receive_body(out)
            if size is None:
                await self.push(
                    f"552 5.3.4 Message exceeds fixed maximum message size "
                    f"of {self.data_size_limit} bytes"
                )
                self.envelope = self._create_envelope()
                return
            envelope.spool_path = spool
            envelope.body_size = size
            status = await self.event_handler.handle_DATA(self, self.session, envelope)
            self.envelope = self._create_envelope()
            await self.push(status)
        finally:
            # delivery made its own copies; unlinking may wait on the journal too
            loop.run_in_executor(None, _unlink, spool)

    def _open_spool(self) -> tuple[int, Path]:
        """A new spool file (cheaper than ``mkstemp``: no random names)."""
        while True:
            spool = self.spool_dir / f"in-{os.getpid()}-{next(_spool_seq)}"
            try:
                return os.open(spool, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), spool
            except FileExistsError:  # left over by an earlier process with our pid
                continue
            except FileNotFoundError:  # spool dir removed under us
                make_private_dir(self.spool_dir)

    async def _receive_body(self, out: IO[bytes]) -> int | None:
        """Copy the body to ``out`` (dot-stuffing undone); its size, None if too big."""
        limit = self.data_size_limit or 0
        # private: aiosmtpd offers no public way to read the connection itself
        reader = self._reader
        buf = b"\r\n"  # a virtual line break: the body starts at a line start
        first, size, too_big = True, 0, False
        while True:
            # take the whole buffer: leftovers fed back below must come first
            chunk = await reader.read(_READ_ALL)
            if not chunk:
                raise ConnectionResetError("connection closed during DATA")
            # private: the idle timer aiosmtpd only resets between commands;
            # a long upload must not be cut as idle
            self._reset_timeout()
            buf += chunk
            end = buf.find(_END)
            if end >= 0:
                body, rest = buf[: end + 2], buf[end + len(_END) :]
            else:
                keep = _carry_len(buf)
                body, rest = buf[: len(buf) - keep], b""
                buf = buf[len(buf) - keep :]
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
    # and runs argon2 in a thread, so these two mechanisms are re-implemented.

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
            return AuthResult(
                success=False, handled=False, message="535 5.7.8 Authentication credentials invalid"
            )
        result: AuthResult = await self.event_handler.check_login(self, user, pw)
        return result
