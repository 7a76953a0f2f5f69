"""Read one complete command (with its literals) from an asyncio stream.

A line ending in ``{n}`` gets a ``+`` continuation (synchronizing literal);
``{n+}`` (LITERAL+) does not. Oversized lines and literals are answered without
dropping the connection where the protocol allows it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

_LITERAL_AT_END = re.compile(rb"\{(\d{1,12})(\+?)\}\r?\n$")
_DISCARD_CHUNK = 65536


class InputError(Exception):
    """A command that could not be read whole; ``fatal`` means the stream is out of sync."""

    def __init__(self, line: bytes, message: str, fatal: bool = False,
                 code: str = "") -> None:
        super().__init__(message)
        self.line, self.fatal, self.code = line, fatal, code


class CommandReader:
    """Assemble commands from ``reader``; ``continuation`` sends ``+ ...`` lines."""

    def __init__(self, reader: asyncio.StreamReader,
                 continuation: Callable[[bytes], Awaitable[None]],
                 max_line: int, max_literal: int) -> None:
        self.reader = reader
        self._continuation = continuation
        self.max_line = max_line
        self.max_literal = max_literal

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

    async def read_command(self) -> bytes | None:
        """The next command without its final CRLF (literals inline), None at EOF.

        Raises:
            InputError: too long, or a literal over ``max_literal``.
        """
        parts: list[bytes] = []
        total = 0
        while True:
            line = await self.readline()
            if line is None:
                return None if not parts else b"".join(parts)
            total += len(line)
            if total > self.max_line + self.max_literal:
                raise InputError(b"".join(parts)[:200], "command too long", fatal=True)
            m = _LITERAL_AT_END.search(line)
            if m is None:
                parts.append(line.rstrip(b"\r\n"))
                return b"".join(parts)
            size, non_sync = int(m.group(1)), bool(m.group(2))
            head = b"".join(parts) + line
            if size > self.max_literal:
                if non_sync:
                    await self._discard(size)
                    await self._skip_line()
                    raise InputError(head[:200], "literal too large", code="TOOBIG")
                raise InputError(head[:200], "literal too large", code="TOOBIG")
            if not non_sync:
                await self._continuation(b"+ Ready for literal data\r\n")
            try:
                data = await self.reader.readexactly(size)
            except asyncio.IncompleteReadError:
                return None
            parts.append(line[:m.start()] + b"{%d}\r\n" % size + data)
            total += size

    async def _discard(self, size: int) -> None:
        while size > 0:
            chunk = await self.reader.read(min(size, _DISCARD_CHUNK))
            if not chunk:
                return
            size -= len(chunk)
