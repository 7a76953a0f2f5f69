"""Argument grammars shared by commands: sequence sets, fetch items, search keys."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailcore.imap.lexer import Cursor, ParseError

_MAX_DEPTH = 50
_NAME_CHARS = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.")


@dataclass(frozen=True)
class SeqSet:
    """A sequence set; ``None`` in a range stands for ``*``."""

    ranges: tuple[tuple[int | None, int | None], ...]

    def spans(self, largest: int) -> list[tuple[int, int]]:
        """The set as sorted, disjoint, inclusive ``(low, high)`` spans (``*`` = ``largest``)."""
        spans: list[tuple[int, int]] = []
        for lo_raw, hi_raw in sorted(
            (min(a, b), max(a, b))
            for a, b in (
                (largest if lo is None else lo, largest if hi is None else hi)
                for lo, hi in self.ranges
            )
        ):
            if spans and lo_raw <= spans[-1][1] + 1:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi_raw))
            else:
                spans.append((lo_raw, hi_raw))
        return spans

    def resolve(self, values: Sequence[int], largest: int) -> list[int]:
        """The members of sorted ``values`` covered by this set (``*`` = ``largest``)."""
        picked: list[int] = []
        for lo, hi in self.spans(largest):
            i = bisect.bisect_left(values, lo)
            j = bisect.bisect_right(values, hi)
            picked.extend(values[i:j])
        return picked


def seq_set(c: Cursor) -> SeqSet:
    """Parse ``1:3,5,7:*``."""
    ranges: list[tuple[int | None, int | None]] = []
    while True:
        lo = _seq_number(c)
        hi = lo
        if c.accept(b":"):
            hi = _seq_number(c)
        ranges.append((lo, hi))
        if not c.accept(b","):
            return SeqSet(tuple(ranges))


def _seq_number(c: Cursor) -> int | None:
    if c.accept(b"*"):
        return None
    return c.nz_number("sequence number")


@dataclass(frozen=True)
class Section:
    """``[1.2.HEADER.FIELDS (A B)]``: part path, text specifier, header names."""

    part: tuple[int, ...] = ()
    text: str = ""  # "", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME
    fields: tuple[str, ...] = ()

    def render(self) -> str:
        """The section as echoed in the FETCH response."""
        out = ".".join(str(p) for p in self.part)
        if self.text:
            out = f"{out}.{self.text}" if out else self.text
        if self.fields:
            out += " (" + " ".join(self.fields) + ")"
        return out


@dataclass(frozen=True)
class FetchItem:
    """One fetch attribute, e.g. FLAGS, BODY.PEEK[1.TEXT]<0.100>."""

    name: str
    section: Section | None = None
    partial: tuple[int, int] | None = None

    @property
    def peek(self) -> bool:
        """Whether it must not set ``\\Seen``."""
        return self.name.endswith(".PEEK")


_SIMPLE = {
    "ENVELOPE",
    "FLAGS",
    "INTERNALDATE",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.SIZE",
    "RFC822.TEXT",
    "BODY",
    "BODYSTRUCTURE",
    "UID",
    "MODSEQ",
}
_MACROS = {
    "ALL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"),
    "FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE"),
    "FULL": ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"),
}


def fetch_items(c: Cursor) -> list[FetchItem]:
    """A macro, one item, or a parenthesized list."""
    if c.peek() == 0x28:
        c.expect(b"(")
        items = [fetch_item(c)]
        while not c.accept(b")"):
            if c.at_end():
                raise ParseError("unterminated fetch item list")
            c.sp()
            items.append(fetch_item(c))
        return items
    save = c.pos
    word = c.read_while(_NAME_CHARS).decode("ascii").upper()
    if word in _MACROS and c.peek() != 0x5B:
        return [FetchItem(n) for n in _MACROS[word]]
    c.pos = save
    return [fetch_item(c)]


def fetch_item(c: Cursor) -> FetchItem:
    """One fetch attribute."""
    name = c.read_while(_NAME_CHARS).decode("ascii").upper()
    if name in ("BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE") and c.peek() == 0x5B:
        section = _section(c, binary=name.startswith("BINARY"))
        partial = None
        if name != "BINARY.SIZE" and c.accept(b"<"):  # RFC 3516: BINARY.SIZE has none
            start = c.number("partial start")
            c.expect(b".", "'.' in partial")
            length = c.nz_number("partial length")
            c.expect(b">", "'>'")
            partial = (start, length)
        return FetchItem(name, section, partial)
    if name not in _SIMPLE:
        raise ParseError(f"unknown fetch item {name or c.data[c.pos : c.pos + 10]!r}")
    return FetchItem(name)


def _section(c: Cursor, binary: bool) -> Section:
    c.expect(b"[", "[")
    part: list[int] = []
    text = ""
    fields: tuple[str, ...] = ()
    while c.peek() != -1 and c.peek() in b"0123456789":
        part.append(c.nz_number("section part"))
        if not c.accept(b"."):
            break
    if c.peek() != 0x5D:
        text = c.read_while(_NAME_CHARS).decode("ascii").upper()
        allowed = {"HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT"}
        if part:
            allowed.add("MIME")
        if binary or text not in allowed:
            raise ParseError(f"bad section text {text!r}")
        if text.startswith("HEADER.FIELDS"):
            c.sp()
            names = c.list_of("astring")
            if not names:
                raise ParseError("empty header field list")
            fields = tuple(n.decode("ascii", "replace").upper() for n in names)
    c.expect(b"]", "]")
    return Section(tuple(part), text, fields)


@dataclass
class SearchKey:
    """A search criterion: ``op`` (ALL, FROM, OR, NOT, AND, SEQ, UID, ...) and arguments."""

    op: str
    args: list[object] = field(default_factory=list)


_NO_ARG = {
    "ALL",
    "ANSWERED",
    "DELETED",
    "DRAFT",
    "FLAGGED",
    "NEW",
    "OLD",
    "RECENT",
    "SEEN",
    "UNANSWERED",
    "UNDELETED",
    "UNDRAFT",
    "UNFLAGGED",
    "UNSEEN",
}
_STRING_ARG = {"BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"}
_DATE_ARG = {"BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"}
_WITH_ARG = (
    _STRING_ARG
    | _DATE_ARG
    | {"LARGER", "SMALLER", "KEYWORD", "UNKEYWORD", "HEADER", "UID", "NOT", "OR", "MODSEQ"}
)


def search_program(c: Cursor) -> SearchKey:
    """Space-separated keys (implicit AND) to the end of the command."""
    keys = [search_key(c, 0)]
    while not c.at_end():
        c.sp()
        keys.append(search_key(c, 0))
    return keys[0] if len(keys) == 1 else SearchKey("AND", list(keys))


def search_key(c: Cursor, depth: int) -> SearchKey:
    """One search key (recursive for NOT, OR and lists)."""
    if depth > _MAX_DEPTH:
        raise ParseError("search too deeply nested")
    if c.accept(b"("):
        keys = [search_key(c, depth + 1)]
        while not c.accept(b")"):
            c.sp()
            keys.append(search_key(c, depth + 1))
        return SearchKey("AND", list(keys))
    if c.peek() != -1 and c.peek() in b"0123456789*":
        return SearchKey("SEQ", [seq_set(c)])
    word = c.atom("search key").upper()
    if word in _NO_ARG:
        return SearchKey(word)
    if word not in _WITH_ARG:
        raise ParseError(f"unknown search key {word}")
    c.sp()
    if word in _STRING_ARG:
        return SearchKey(word, [c.text(c.astring(), "search string")])
    if word in _DATE_ARG:
        return SearchKey(word, [c.date()])
    if word in ("LARGER", "SMALLER"):
        return SearchKey(word, [c.number("size")])
    if word in ("KEYWORD", "UNKEYWORD"):
        return SearchKey(word, [c.flag()])
    if word == "HEADER":
        name = c.text(c.astring(), "header name")
        c.sp()
        return SearchKey(word, [name, c.text(c.astring(), "search string")])
    if word == "UID":
        return SearchKey(word, [seq_set(c)])
    if word == "MODSEQ":  # RFC 7162: MODSEQ ["entry" type] n; the entry is not used
        if c.peek() == 0x22:
            c.quoted()
            c.sp()
            c.atom("entry type")
            c.sp()
        return SearchKey(word, [c.number("mod-sequence")])
    if word == "NOT":
        return SearchKey(word, [search_key(c, depth + 1)])
    if word == "OR":
        a = search_key(c, depth + 1)
        c.sp()
        return SearchKey(word, [a, search_key(c, depth + 1)])
    raise ParseError(f"unknown search key {word}")
