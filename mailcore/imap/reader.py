"""Read one complete command (with its literals) from an asyncio stream.

A line ending in ``{n}`` gets a ``+`` continuation (synchronizing literal);
``{n+}`` (LITERAL+) does not. Oversized lines and literals are answered without
dropping the connection where the protocol allows it: a literal over the limit
is refused before any of it is read (or, when the client already sends it
without waiting, read and thrown away).

The message literal of APPEND can be as large as ``mail.max_message_size``
(Thunderbird appends every sent message, attachments and all, to Sent), so
one over ``spool_threshold`` (or, with MULTIAPPEND's several messages, one
that would bring those held past it) is streamed to a file in ``spool_dir``
while it arrives and never held in memory; its ``{n}`` marker stays in the command
bytes with no data after it, and ``RawCommand.spooled`` says where the bytes
are. Literals of other commands (names, passwords, search strings) are
bounded by ``max_line``.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from pmemail.fsutil import make_private_dir

_LITERAL_AT_END = re.compile(rb"\{(\d{1,12})(\+?)\}\r?\n$")
_APPEND = re.compile(rb"^[^ ]+ APPEND ", re.IGNORECASE)
_DISCARD_CHUNK = 65536
_WRITE_CHUNK = 1 << 20  # bytes gathered before one write in a worker thread


class InputError(Exception):
    """A command that could not be read whole; ``fatal`` means the stream is out of sync."""

    def __init__(self, line: bytes, message: str, fatal: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.line, self.fatal, self.code = line, fatal, code


@dataclass
class RawCommand:
    """One command without its final CRLF, and the literals spooled to files.

    ``spooled`` maps the offset of a ``{n}`` marker in ``data`` (followed by
    CRLF and no data) to the file holding its ``n`` bytes.
    """

    data: bytes
    spooled: dict[int, Path] = field(default_factory=dict)

    def discard(self) -> None:
        """Remove the spool files (the command is done with them)."""
        for path in self.spooled.values():
            path.unlink(missing_ok=True)
        self.spooled.clear()


class CommandReader:
    """Assemble commands from ``reader``; ``continuation`` sends ``+ ...`` lines."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        continuation: Callable[[bytes], Awaitable[None]],
        max_line: int,
        max_literal: int,
        spool_dir: Path | None = None,
        spool_threshold: int = 1 << 20,
    ) -> None:
        """``spool_dir`` None: the system temporary directory."""
        self.reader = reader
        self._continuation = continuation
        self.max_line = max_line
        self.max_literal = max_literal
        self.spool_dir = spool_dir
        self.spool_threshold = spool_threshold

    async def readline(self) -> bytes | None:
        """One raw line with its line ending, None at end of stream.

        Raises:
            InputError: the line is longer than ``max_line`` (the rest was discarded).
        """
        try:
            line = await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            return exc.partial or None
        except asyncio.LimitOverrunError:
            head = await self.reader.read(self.max_line)
            await self._skip_line()
            raise InputError(head[:200], "command line too long") from None
        if len(line) > self.max_line:
            raise InputError(line[:200], "command line too long")
        return line

    async def _skip_line(self) -> None:
        while True:
            try:
                await self.reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as exc:
                await self.reader.readexactly(exc.consumed)
            except asyncio.IncompleteReadError:
                return

    async def read_command(self) -> RawCommand | None:
        """The next command (literals inline or spooled), None at EOF.

        Raises:
            InputError: too long, a literal over its limit, or a spool file
                that could not be written (the literal was consumed).
        """
        raw = RawCommand(b"")
        try:
            return await self._read(raw)
        except BaseException:
            raw.discard()  # an error, EOF or cancellation mid-command
            raise

    async def _read(self, raw: RawCommand) -> RawCommand | None:
        parts: list[bytes] = []
        length = 0  # of b"".join(parts)
        total = 0
        held = 0  # literal bytes in ``parts``
        while True:
            line = await self.readline()
            if line is None:
                if not parts:
                    return None
                raw.data = b"".join(parts)
                return raw
            total += len(line)
            if total > self.max_line + self.max_literal:
                raise InputError(b"".join(parts)[:200], "command too long", fatal=True)
            m = _LITERAL_AT_END.search(line)
            if m is None:
                parts.append(line.rstrip(b"\r\n"))
                raw.data = b"".join(parts)
                return raw
            size, non_sync = int(m.group(1)), bool(m.group(2))
            head = b"".join(parts) + line
            appending = _APPEND.match(head) is not None
            limit = self.max_literal if appending else self.max_line
            if size > limit:
                if non_sync:
                    await self._discard(size)
                    await self._skip_line()
                what = f"message of {size} bytes" if appending else "literal"
                raise InputError(
                    head[:200], f"{what} too large (the limit is {limit} bytes)", code="TOOBIG"
                )
            if not non_sync:
                await self._continuation(b"+ Ready for literal data\r\n")
            marker = line[: m.start()] + b"{%d}\r\n" % size
            # The messages of one APPEND (several with MULTIAPPEND) held in memory
            # stay under spool_threshold together; the rest go to spool files, and
            # only what is held counts against the command's size limit.
            if appending and held + size > self.spool_threshold:
                path = await self._spool(size, head)
                if path is None:
                    return None
                raw.spooled[length + m.start()] = path
                parts.append(marker)
            else:
                try:
                    data = await self.reader.readexactly(size)
                except asyncio.IncompleteReadError:
                    return None
                parts.append(marker + data)
                held += size
                total += size
            length += len(parts[-1])

    async def _spool(self, size: int, head: bytes) -> Path | None:
        """Stream ``size`` literal bytes into a new spool file; None at EOF (file removed).

        Raises:
            InputError: the file could not be written (the literal was consumed,
                so the connection stays in sync).
        """
        try:
            fd, name = await asyncio.to_thread(self._open_spool)
        except OSError as exc:
            await self._discard(size)
            await self._skip_line()
            raise InputError(
                head[:200], f"cannot receive the message: {exc.strerror or exc}", code="SERVERBUG"
            ) from None
        path = Path(name)
        done = False
        try:
            with os.fdopen(fd, "wb") as out:
                done = await self._copy(size, out.write)
        except OSError as exc:
            path.unlink(missing_ok=True)
            await self._skip_line()  # the literal itself was read to its end
            raise InputError(
                head[:200], f"cannot receive the message: {exc.strerror or exc}", code="SERVERBUG"
            ) from None
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if not done:
            path.unlink(missing_ok=True)
            return None
        return path

    def _open_spool(self) -> tuple[int, str]:
        if self.spool_dir is not None:
            make_private_dir(self.spool_dir)
        return tempfile.mkstemp(prefix="imap-append-", dir=self.spool_dir)

    async def _copy(self, size: int, write: Callable[[bytearray], object]) -> bool:
        """Feed ``size`` bytes to ``write`` in a worker thread, ~1 MiB at a time; False
        at EOF. After a failed write the rest is still read (and dropped)."""
        buf = bytearray()
        failure: OSError | None = None
        while size > 0:
            chunk = await self.reader.read(min(size, _WRITE_CHUNK))
            if not chunk:
                return False
            size -= len(chunk)
            if failure is not None:
                continue
            buf += chunk
            if len(buf) >= _WRITE_CHUNK or size == 0:
                try:
                    await asyncio.to_thread(write, buf)
                except OSError as exc:
                    failure = exc
                buf = bytearray()
        if failure is not None:
            raise failure
        return True

    async def _discard(self, size: int) -> None:
        while size > 0:
            chunk = await self.reader.read(min(size, _DISCARD_CHUNK))
            if not chunk:
                return
            size -= len(chunk)
