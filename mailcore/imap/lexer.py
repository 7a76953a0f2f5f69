"""A byte cursor over one complete IMAP command (literals already inline).

The reader (``mailcore.imap.reader``) hands over the command with each
``{n}``/``{n+}`` marker followed by CRLF and its ``n`` bytes, so every
grammar rule here is a plain pure function of the bytes: easy to test and fuzz.
A large APPEND message is the exception: its marker is followed by no bytes
and ``spooled`` names the file that holds them (see ``literal_or_file``).
"""

from __future__ import annotations

import re
from pathlib import Path

_ATOM_SPECIALS = set(b'(){ %*"\\]') | set(range(0x20)) | {0x7F}
_LITERAL_RE = re.compile(rb"\{(\d{1,12})(\+?)\}\r?\n")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class ParseError(Exception):
    """The command does not follow the grammar (answered with a tagged BAD)."""


class Cursor:
    """Position in a command; every ``read_*`` raises ``ParseError`` on bad input."""

    def __init__(self, data: bytes, spooled: dict[int, Path] | None = None) -> None:
        """``spooled``: marker offset -> file, for literals the reader did not keep."""
        self.data = data
        self.pos = 0
        self.spooled = spooled or {}

    def at_end(self) -> bool:
        """Whether the whole command was consumed."""
        return self.pos >= len(self.data)

    def peek(self) -> int:
        """The next byte, or -1 at the end."""
        return self.data[self.pos] if self.pos < len(self.data) else -1

    def expect(self, token: bytes, what: str = "") -> None:
        """Consume exactly ``token``."""
        if not self.data.startswith(token, self.pos):
            raise ParseError(f"expected {what or token.decode()!s}")
        self.pos += len(token)

    def accept(self, token: bytes) -> bool:
        """Consume ``token`` if it is next (case-insensitive for letters)."""
        end = self.pos + len(token)
        if self.data[self.pos : end].upper() == token.upper():
            self.pos = end
            return True
        return False

    def sp(self) -> None:
        """One space."""
        if self.peek() != 0x20:
            raise ParseError("expected a space" if not self.at_end() else "missing argument")
        self.pos += 1

    def end(self) -> None:
        """Nothing may follow."""
        if not self.at_end():
            raise ParseError("unexpected extra arguments")

    def read_while(
        self, allowed: set[int] | None = None, extra: bytes = b"", eight_bit: bool = False
    ) -> bytes:
        """Bytes that are atom characters (plus ``extra``, plus 8-bit if allowed)."""
        start = self.pos
        ok_extra = set(extra)
        while self.pos < len(self.data):
            b = self.data[self.pos]
            if (b >= 0x80 and not eight_bit) or (b in _ATOM_SPECIALS and b not in ok_extra):
                break
            if allowed is not None and b not in allowed:
                break
            self.pos += 1
        return self.data[start : self.pos]

    def atom(self, what: str = "atom", extra: bytes = b"") -> str:
        """A non-empty atom."""
        raw = self.read_while(extra=extra)
        if not raw:
            raise ParseError(f"expected {what}")
        return raw.decode("ascii")

    def number(self, what: str = "number") -> int:
        """An unsigned 32-bit number (or larger where allowed by the caller)."""
        raw = self.read_while(set(b"0123456789"))
        if not raw or len(raw) > 19:
            raise ParseError(f"expected {what}")
        return int(raw)

    def nz_number(self, what: str = "number") -> int:
        """A number greater than zero that fits in 32 bits."""
        n = self.number(what)
        if n == 0 or n > 0xFFFFFFFF:
            raise ParseError(f"{what} out of range")
        return n

    def quoted(self) -> bytes:
        """A quoted string (after the opening quote check)."""
        self.expect(b'"')
        out = bytearray()
        while True:
            if self.at_end():
                raise ParseError("unterminated quoted string")
            b = self.data[self.pos]
            self.pos += 1
            if b == 0x22:
                return bytes(out)
            if b == 0x5C:
                if self.at_end() or self.data[self.pos] not in (0x22, 0x5C):
                    raise ParseError("bad escape in quoted string")
                b = self.data[self.pos]
                self.pos += 1
            elif b in (0x0D, 0x0A, 0x00):
                raise ParseError("line break in quoted string")
            out.append(b)

    def literal(self) -> bytes:
        """A literal ``{n}CRLF`` + n bytes (or ``{n+}``)."""
        if self.pos in self.spooled:
            raise ParseError("literal too large for this argument")
        m = _LITERAL_RE.match(self.data, self.pos)
        if not m:
            raise ParseError("bad literal")
        n = int(m.group(1))
        start = m.end()
        if start + n > len(self.data):
            raise ParseError("literal shorter than announced")
        self.pos = start + n
        return self.data[start : self.pos]

    def literal_or_file(self) -> bytes | Path:
        """A literal, or the spool file holding it (a large APPEND message)."""
        path = self.spooled.get(self.pos)
        if path is None:
            return self.literal()
        m = _LITERAL_RE.match(self.data, self.pos)
        if not m:
            raise ParseError("bad literal")
        self.pos = m.end()
        return path

    def string(self) -> bytes:
        """A quoted string or a literal."""
        c = self.peek()
        if c == 0x22:
            return self.quoted()
        if c == 0x7B:
            return self.literal()
        raise ParseError("expected a string")

    def astring(self, what: str = "string") -> bytes:
        """An atom (``]`` allowed), quoted string or literal."""
        c = self.peek()
        if c in (0x22, 0x7B):
            return self.string()
        # 8-bit atoms are not in RFC 3501, but clients (imaplib) send UTF-8 search
        # strings that way and Dovecot accepts them.
        raw = self.read_while(extra=b"]", eight_bit=True)
        if not raw:
            raise ParseError(f"expected {what}")
        return raw

    def nstring(self) -> bytes | None:
        """NIL or a string."""
        if self.accept(b"NIL"):
            return None
        return self.string()

    def text(self, data: bytes, what: str) -> str:
        """Decode UTF-8 (IMAP allows it in strings since RFC 6855)."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(f"{what} is not valid UTF-8") from None

    def list_of(self, item: str) -> list[bytes]:
        """``(a b c)`` of astrings/flags."""
        self.expect(b"(", "(")
        out: list[bytes] = []
        while not self.accept(b")"):
            if out:
                self.sp()
            if item == "flag":
                out.append(self.flag().encode())
            else:
                out.append(self.astring())
            if self.at_end():
                raise ParseError("unterminated list")
        return out

    def flag(self) -> str:
        """``\\Flag`` or a keyword."""
        if self.accept(b"\\"):
            name = self.atom("flag name")
            return "\\" + name[0].upper() + name[1:].lower()
        return self.atom("flag")

    def date(self) -> tuple[int, int, int]:
        """``d-Mon-yyyy`` (optionally quoted) as (year, month, day)."""
        quoted = self.accept(b'"')
        raw = self.read_while(extra=b"")
        if quoted:
            self.expect(b'"', "closing quote")
        parts = raw.decode("ascii").split("-")
        if (
            len(parts) != 3
            or parts[1].capitalize() not in MONTHS
            or not parts[0].isdigit()
            or not parts[2].isdigit()
            or len(parts[2]) != 4
        ):
            raise ParseError("bad date (expected e.g. 1-Feb-2024)")
        day = int(parts[0])
        if not 1 <= day <= 31:
            raise ParseError("bad day in date")
        return int(parts[2]), MONTHS.index(parts[1].capitalize()) + 1, day
