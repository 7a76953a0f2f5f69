"""A small independent parser of imaplib FETCH answers, for comparing servers.

Deliberately separate from ``mailcore.imap`` so a bug there cannot hide
itself in the comparison.
"""

from __future__ import annotations

import re
from typing import Any

_LITERAL = re.compile(rb"\{(\d+)\}\r\n")


def join_response(data: list[Any]) -> bytes:
    """imaplib's list of bytes / (head, literal) tuples back into one byte string."""
    parts: list[bytes] = []
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            parts.append(item[0] + b"\r\n" + item[1])
        else:
            parts.append(item)
    return b" ".join(parts)


class _P:
    def __init__(self, data: bytes) -> None:
        self.d, self.i = data, 0

    def ws(self) -> None:
        while self.i < len(self.d) and self.d[self.i : self.i + 1] in (b" ", b"\r", b"\n"):
            self.i += 1

    def value(self) -> Any:
        self.ws()
        c = self.d[self.i : self.i + 1]
        if c == b"(":
            self.i += 1
            out: list[Any] = []
            while True:
                self.ws()
                if self.d[self.i : self.i + 1] == b")":
                    self.i += 1
                    return out
                out.append(self.value())
        if c == b'"':
            self.i += 1
            buf = bytearray()
            while self.d[self.i : self.i + 1] != b'"':
                if self.d[self.i : self.i + 1] == b"\\":
                    self.i += 1
                buf += self.d[self.i : self.i + 1]
                self.i += 1
            self.i += 1
            return bytes(buf)
        m = _LITERAL.match(self.d, self.i)
        if m:
            n = int(m.group(1))
            start = m.end()
            self.i = start + n
            return self.d[start : self.i]
        start = self.i
        depth = 0
        while self.i < len(self.d):
            ch = self.d[self.i : self.i + 1]
            if ch == b"[":
                depth += 1
            elif ch == b"]":
                depth -= 1
            elif depth == 0 and ch in (b" ", b")", b"("):
                break
            self.i += 1
        word = self.d[start : self.i]
        if word == b"NIL":
            return None
        return int(word) if word.isdigit() else word.decode()


def parse_fetch(data: list[Any]) -> dict[int, dict[str, Any]]:
    """``{seq: {ITEM: value}}`` from imaplib's FETCH data."""
    p = _P(join_response(data))
    out: dict[int, dict[str, Any]] = {}
    while True:
        p.ws()
        if p.i >= len(p.d):
            return out
        seq = p.value()
        items = p.value()
        fields = out.setdefault(int(seq), {})
        for k in range(0, len(items), 2):
            fields[str(items[k]).upper()] = items[k + 1]


def lower_types(value: Any) -> Any:
    """Structures with every string lower-cased (for case-insensitive comparisons)."""
    if isinstance(value, list):
        return [lower_types(v) for v in value]
    if isinstance(value, bytes):
        return value.lower()
    return value
