"""Serialize IMAP response data: atoms, numbers, strings (quoted or literal), lists.

Values are plain Python: ``int`` -> number, ``None`` -> NIL, ``bytes``/``str``
-> a quoted string when safe and a literal otherwise, ``Atom`` -> as is,
``Literal`` -> always a literal, ``list``/``tuple`` -> parenthesized list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_QUOTED_MAX = 1024


@dataclass(frozen=True)
class Atom:
    """Raw protocol text (flags, keywords, section names)."""

    text: str


@dataclass(frozen=True)
class Literal:
    """Bytes always sent as a ``{n}`` literal."""

    data: bytes


Value = int | None | bytes | str | Atom | Literal | Sequence["Value"]


def _quotable(data: bytes) -> bool:
    return (
        len(data) <= _QUOTED_MAX
        and data.isascii()
        and b"\r" not in data
        and b"\n" not in data
        and b"\x00" not in data
    )


def render_string(data: bytes) -> bytes:
    """A string as quoted or literal, whichever is valid."""
    if _quotable(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(data) + data


def render(value: Value) -> bytes:
    """One value in wire form."""
    if value is None:
        return b"NIL"
    if isinstance(value, bool):
        raise TypeError("booleans have no IMAP form")
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, Atom):
        return value.text.encode("utf-8")
    if isinstance(value, Literal):
        return b"{%d}\r\n" % len(value.data) + value.data
    if isinstance(value, str):
        return render_string(value.encode("utf-8"))
    if isinstance(value, bytes):
        return render_string(value)
    return b"(" + b" ".join(render(v) for v in value) + b")"


def quote_mailbox(name: str) -> bytes:
    """A mailbox name (already modified UTF-7) as a quoted string."""
    return render_string(name.encode("ascii"))


def tagged(tag: str, status: str, text: str, code: str = "") -> bytes:
    """``tag OK [CODE] text`` + CRLF."""
    code_part = f"[{code}] " if code else ""
    return f"{tag} {status} {code_part}{_one_line(text)}\r\n".encode()


def untagged(text: str | bytes) -> bytes:
    """``* text`` + CRLF."""
    raw = text.encode() if isinstance(text, str) else text
    return b"* " + raw + b"\r\n"


def _one_line(text: str) -> str:
    # Reasons may echo client input: never let them break the line structure.
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:400]


def sequence_set(values: Sequence[int]) -> str:
    """``values`` as a short sequence set, runs joined: ``1,2,3,5`` -> ``1:3,5``
    (ESEARCH ALL, APPENDUID); the order is kept, so UIDPLUS sets stay paired."""
    out: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        out.append(str(values[i]) if i == j else f"{values[i]}:{values[j]}")
        i = j + 1
    return ",".join(out)


def vanished_line(uids: Sequence[int], earlier: bool) -> bytes:
    """``* VANISHED [(EARLIER)] set`` for sorted ``uids`` (RFC 7162 3.2.10); empty if none."""
    if not uids:
        return b""
    return b"* VANISHED %s%s\r\n" % (b"(EARLIER) " * earlier, sequence_set(uids).encode())
