"""POP3 wire format: command lines in, status lines and dot-stuffed bodies out.

Pure functions and one small buffered line reader; no session state here.
RFC 1939 frames every reply as ``+OK``/``-ERR`` text CRLF; multi-line replies
end with ``.`` CRLF and every line starting with ``.`` gets one more ``.``.
RFC 2449 limits command lines to 255 octets; we allow a little more (some
clients send long AUTH initial responses) and answer ``-ERR`` beyond it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_COMMAND_LINE = 1024
# A SASL continuation carries base64 of "authzid\0authcid\0password".
MAX_SASL_LINE = 4096
CRLF = b"\r\n"
TERMINATOR = b".\r\n"


class WireError(ValueError):
    """A line that cannot be a POP3 command; the message goes after ``-ERR``."""


class LineTooLong(WireError):
    """The client sent a line longer than the limit (it was read and discarded)."""


@dataclass(frozen=True)
class Command:
    """One parsed command line: upper-case verb and its raw argument text."""

    verb: str
    args: list[str]
    rest: str  # everything after "VERB " (PASS allows spaces in passwords)


def parse_command(line: bytes) -> Command:
    """Parse a command line (with or without its CRLF).

    Raises:
        WireError: empty line, non-ASCII verb, or a verb longer than 4 letters.
    """
    text = line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")
    verb, _, rest = text.partition(" ")
    if not verb:
        raise WireError("empty command")
    if len(verb) > 4 or not verb.isascii() or not verb.isalpha():
        raise WireError("unknown command")
    return Command(verb.upper(), rest.split(), rest)


def ok(text: str = "") -> bytes:
    """A ``+OK`` status line."""
    return b"+OK " + _clean(text) + CRLF if text else b"+OK" + CRLF


def err(text: str) -> bytes:
    """An ``-ERR`` status line (the reason is mandatory: clients show it)."""
    return b"-ERR " + _clean(text) + CRLF


def _clean(text: str) -> bytes:
    # A reply must never smuggle a second line (text can echo client input).
    return text.replace("\r", " ").replace("\n", " ").encode("utf-8", "replace")


def multiline(first: bytes, lines: Iterable[bytes]) -> bytes:
    """A whole multi-line reply: status line, stuffed ``lines``, terminator."""
    return first + b"".join(stuff_lines(lines)) + TERMINATOR


def stuff_lines(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Each line (no line ending) byte-stuffed and ended with CRLF."""
    for line in lines:
        yield (b"." + line if line.startswith(b".") else line) + CRLF


def unstuff(body: bytes) -> list[bytes]:
    """The inverse of ``multiline``'s body part: lines of a stuffed body up to ``.``.

    Used by tests and by anything that reads POP3 replies.
    """
    out: list[bytes] = []
    for line in body.split(CRLF):
        if line == b".":
            return out
        out.append(line[1:] if line.startswith(b".") else line)
    raise WireError("multi-line reply without terminator")


def decode_sasl_plain(data: str) -> tuple[str, str, str]:
    """``(authzid, authcid, password)`` from a base64 SASL PLAIN response (RFC 4616).

    Raises:
        WireError: bad base64, not three NUL-separated fields, or not UTF-8.
    """
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise WireError("invalid base64 in AUTH PLAIN response") from None
    parts = raw.split(b"\0")
    if len(parts) != 3:
        raise WireError("AUTH PLAIN response must be authzid NUL authcid NUL password")
    try:
        authz, authc, password = (p.decode("utf-8") for p in parts)
    except UnicodeDecodeError:
        raise WireError("AUTH PLAIN response is not UTF-8") from None
    return authz, authc, password


class LineReader:
    """CRLF/LF line reader with a length limit that never leaves junk behind.

    ``asyncio.StreamReader.readline`` raises on long lines but keeps the rest
    of the line buffered; here a long line is read to its end and discarded so
    the next command is read cleanly.
    """

    def __init__(self, reader: asyncio.StreamReader, chunk: int = 4096) -> None:
        """Read from ``reader`` in ``chunk``-sized pieces."""
        self._reader = reader
        self._buf = bytearray()
        self._chunk = chunk

    def buffered(self) -> int:
        """How many received bytes wait to be read."""
        return len(self._buf)

    def discard_buffer(self) -> None:
        """Drop bytes already received (after STLS: no plaintext may leak into TLS)."""
        self._buf.clear()

    async def readline(self, limit: int = MAX_COMMAND_LINE) -> bytes | None:
        """The next line without its CRLF/LF; None at end of stream.

        Raises:
            LineTooLong: the line exceeded ``limit`` (already consumed).
        """
        too_long = False
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                if too_long or len(line) > limit:
                    raise LineTooLong(f"line too long (limit {limit} octets)")
                return line[:-1] if line.endswith(b"\r") else line
            if len(self._buf) > limit:
                too_long = True
                self._buf.clear()
            data = await self._reader.read(self._chunk)
            if not data:
                return None
            self._buf += data
