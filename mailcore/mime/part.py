"""One MIME entity of a stored message: where it lies in the file, its headers and type.

Offsets come in two forms. ``start``/``body``/``end`` count the message as
IMAP sends it (every line ending CRLF), so sizes and BODY[section] ranges
match Dovecot; ``raw_*`` are the same places in the file as stored (a
Maildir file may end its lines with LF only), for seeking. No bytes of the
message are kept: bodies are read from those ranges (``mailcore.mime.body``).
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass, field
from functools import cached_property

from mailcore.mime.params import decode_param, find_param, parse_params, unfold

_POLICY = email.policy.default


@dataclass(eq=False)
class Part:
    """One MIME entity: offsets, headers, type, and its children or enclosed message."""

    start: int  # header start, in the CRLF form of the message
    body: int
    end: int
    raw_start: int  # the same three offsets in the stored file
    raw_body: int
    raw_end: int
    lines: int  # line breaks in the body
    headers: list[tuple[str, bytes]]  # (lower-case name, raw value with folds)
    ctype: str = "text"
    subtype: str = "plain"
    params: list[tuple[str, str]] = field(default_factory=list)
    children: list[Part] = field(default_factory=list)
    message: Part | None = None  # the message inside a message/rfc822 part
    explicit_type: bool = False
    number: int = 0  # position among the message's leaf parts (``leaves``), from 1

    def header(self, name: str) -> bytes | None:
        """The first header ``name`` (lower-case) unfolded, or None."""
        for key, value in self.headers:
            if key == name:
                return unfold(value)
        return None

    def header_text(self, name: str) -> str:
        """The first header ``name`` decoded for display (encoded words undone, control
        characters blanked); "" when absent or undecodable."""
        for key, value in self.headers:
            if key == name:
                text = value.decode("ascii", "surrogateescape").lstrip(" \t")
                try:
                    shown = str(_POLICY.header_fetch_parse(name, text))
                except (ValueError, LookupError, TypeError, AttributeError):
                    return ""
                return "".join(c if c.isprintable() else " " for c in shown)
        return ""

    def param(self, name: str) -> str | None:
        """A Content-Type parameter by lower-case name, as sent (RFC 2231 not decoded)."""
        return find_param(self.params, name)

    @property
    def is_multipart(self) -> bool:
        """Whether this is a multipart entity."""
        return self.ctype.lower() == "multipart" and self.explicit_type

    @property
    def content_type(self) -> str:
        """``type/subtype`` in lower case."""
        return f"{self.ctype}/{self.subtype}".lower()

    @property
    def size(self) -> int:
        """Encoded body size in the stored file."""
        return self.raw_end - self.raw_body

    @property
    def encoding(self) -> str:
        """The Content-Transfer-Encoding in lower case (``7bit`` when absent)."""
        raw = self.header("content-transfer-encoding")
        value = raw.decode("ascii", "replace").strip().lower() if raw else ""
        return value or "7bit"

    @property
    def charset(self) -> str:
        """The declared charset (utf-8 when none)."""
        return decode_param(self.params, "charset") or "utf-8"

    @property
    def content_id(self) -> str:
        """The Content-ID without its angle brackets."""
        raw = self.header("content-id")
        return raw.decode("ascii", "replace").strip().strip("<>") if raw else ""

    @cached_property
    def _disposition(self) -> tuple[str, list[tuple[str, str]]]:
        raw = self.header("content-disposition")
        return parse_params(raw) if raw is not None else ("", [])

    @property
    def disposition(self) -> str:
        """``inline``, ``attachment`` (lower case) or ""."""
        return self._disposition[0].lower()

    @property
    def filename(self) -> str:
        """The file name to offer a download under: no path, quotes or control characters;
        ``message.eml`` for an unnamed attached message."""
        name = decode_param(self._disposition[1], "filename") or decode_param(self.params, "name")
        if not name and self.content_type == "message/rfc822":
            name = "message.eml"
        name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
        return "".join(c for c in name if c.isprintable() and c not in '"<>|:*?')[:200]

    @property
    def is_attachment(self) -> bool:
        """Shown as a download rather than as the message text."""
        if self.disposition == "attachment" or self.filename:
            return True
        return not self.content_type.startswith("text/")

    @property
    def parts(self) -> list[Part]:
        """The leaf parts under this entity, in order: what a reader shows or offers to
        download. An enclosed message/rfc822 is one leaf (a .eml file)."""
        if not self.children:
            return [self] if self.number else []
        return [leaf for child in self.children for leaf in child.parts]

    def sub(self, path: tuple[int, ...]) -> Part | None:
        """The part at ``path`` (IMAP numbering, RFC 3501 6.4.5), None if absent.

        ``self`` is a message. A message's parts are its multipart's children, or
        the message itself when it is not multipart (its part 1 is its body). The
        sub-parts of a message/rfc822 part, at any depth and also when it is the
        top-level message, are numbered as its enclosed message's parts.
        """
        if not path:
            return self
        part, used_self = _message_part(self, path[0])
        for n in path[1:]:
            if part is None:
                return None
            if part.message is not None:
                part, used_self = _message_part(part.message, n)
            elif part.is_multipart:
                part, used_self = _child(part, n), False
            elif n == 1 and not used_self:
                # A leaf answers for "1" once, as Dovecot does: BODY[2.1] of a leaf
                # part 2 is part 2, BODY[1.1] of a plain message is empty.
                used_self = True
            else:
                return None
        return part


def _child(multipart: Part, n: int) -> Part | None:
    return multipart.children[n - 1] if 0 < n <= len(multipart.children) else None


def _message_part(message: Part, n: int) -> tuple[Part | None, bool]:
    """Part ``n`` of a message, and whether that part is the message itself (its
    "1" then used up)."""
    if message.is_multipart:
        return _child(message, n), False
    return (message if n == 1 else None), True
