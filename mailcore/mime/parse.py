"""The MIME tree of a stored message, found by streaming over its file once.

Only header blocks are read line by line (and parsed, a few KB each); bodies
are skipped a block at a time looking for lines that start with ``--``, so
a 100 MB attachment never sits in memory. Boundaries are matched as Dovecot
does: a line that starts with ``--boundary`` of an open multipart, the
outermost first, ends whatever parts were open inside it (the line break
before it belongs to the boundary, unless that break ends a closing boundary
line: each delimiter line keeps its own). Hostile input is bounded: header blocks,
nesting depth and part count have limits, and a missing closing boundary
simply ends the parts at end of file.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from mailcore.mime.lines import Lines, Pos
from mailcore.mime.params import parse_params
from mailcore.mime.part import Part

MAX_HEADER_BLOCK = 256 * 1024  # kept of one header block (the rest is skipped)
MAX_HEADERS_KEPT = 1024 * 1024  # kept of all header blocks of a message
MAX_DEPTH = 20
MAX_PARTS = 1000
_TEXT = ("text", "plain")
_MESSAGE = ("message", "rfc822")


class _Hit(NamedTuple):
    """A delimiter line: its multipart level, whether it closes it, where it starts."""

    level: int
    closing: bool
    at: Pos
    eol: int  # length of the line break before it in the file


@dataclass
class _Level:
    delim: bytes
    open_index: int  # of its multipart in _Scanner.open
    depth: int
    digest: bool


@dataclass
class _Open:
    part: Part
    start: Pos
    body: Pos | None  # None while (or when) its header block did not end
    enclosed: bool  # the message of the message/rfc822 part just before it in ``open``


class _Scanner:
    def __init__(self, f: BinaryIO) -> None:
        self.lines = Lines(f)
        self.levels: list[_Level] = []
        self.open: list[_Open] = []  # entities whose end is not known yet, outermost first
        self.count = 0
        self.kept = 0
        self.after_close = -1  # file offset just past the last closing delimiter line

    def match(self, line: bytes) -> tuple[int, bool] | None:
        """(level, closing) if ``line`` starts with the delimiter of an open multipart."""
        for level, open_level in enumerate(self.levels):
            delim = open_level.delim
            if line.startswith(delim):
                return level, line[len(delim) : len(delim) + 2] == b"--"
        return None

    def need(self) -> int:
        return max(len(level.delim) for level in self.levels) + 2

    def run(self) -> Part:
        root, hit = self.entity(_TEXT, 0)
        while True:
            if hit is None and self.levels:
                found = self.lines.find_dash_line(self.need(), self.match)
                if found is not None:
                    at, eol = self.lines.pos, self.lines.eol_before()
                    self.lines.skip_line()
                    hit = _Hit(*found, at, eol)
            if hit is None:
                break
            hit = self.delimiter(hit)
        self.lines.skip_to_end()
        self.close(0, self.lines.pos)
        return root

    def delimiter(self, hit: _Hit) -> _Hit | None:
        """End what the delimiter ends; open the next part (its header may hold a hit)."""
        level = self.levels[hit.level]
        # The line break before a delimiter is part of it, but one that ends a closing
        # delimiter line stays with that line (Dovecot: "--inner--" right before
        # "--outer" leaves the inner multipart's body ending in CRLF).
        eol = 0 if hit.at.raw == self.after_close else hit.eol
        end = Pos(hit.at.raw - eol, hit.at.crlf - (2 if eol else 0), hit.at.nl - (1 if eol else 0))
        self.close(level.open_index + 1, end)
        del self.levels[hit.level + 1 :]
        if hit.closing:
            self.after_close = self.lines.pos.raw  # the cursor is past the delimiter line
            self.levels.pop()
            return None
        if self.count >= MAX_PARTS:
            return None  # no more parts: the rest is skipped up to the next delimiter
        multipart = self.open[level.open_index].part
        child, found = self.entity(_MESSAGE if level.digest else _TEXT, level.depth + 1)
        multipart.children.append(child)
        return found

    def close(self, index: int, end: Pos) -> None:
        """Set the end of every open entity from ``index`` on, and forget them."""
        body = end
        for entity in self.open[index:]:
            # An enclosed message is exactly the body of its part, even when that part's
            # header block ran into the delimiter.
            start = body if entity.enclosed else entity.start
            stop = end if end.raw >= start.raw else start
            body = entity.body if entity.body is not None else stop
            body = stop if body.raw > stop.raw else body
            part = entity.part
            part.start, part.body, part.end = start.crlf, body.crlf, stop.crlf
            part.raw_start, part.raw_body, part.raw_end = start.raw, body.raw, stop.raw
            part.lines = stop.nl - body.nl
        del self.open[index:]

    def entity(
        self, default: tuple[str, str], depth: int, enclosed: bool = False
    ) -> tuple[Part, _Hit | None]:
        """Read the entity whose header starts at the cursor; a delimiter met in its header
        (the cursor then after that line) ends it and is returned."""
        part, entity = self.new_part(default, enclosed)
        hit = self.header(part)
        if hit is None:
            entity.body = self.lines.pos
        _set_type(part, default)
        if depth >= MAX_DEPTH:
            return part, hit
        if hit is not None:
            if (part.ctype.lower(), part.subtype.lower()) == _MESSAGE:
                part.message, _ = self.new_part(_TEXT, True)  # empty, where the part ends
            return part, hit
        if part.is_multipart:
            boundary = part.param("boundary")
            if boundary:
                delim = b"--" + boundary.encode("utf-8", "replace")
                digest = part.subtype.lower() == "digest"
                self.levels.append(_Level(delim, len(self.open) - 1, depth, digest))
        elif (part.ctype.lower(), part.subtype.lower()) == _MESSAGE:
            part.message, hit = self.entity(_TEXT, depth + 1, enclosed=True)
        return part, hit

    def new_part(self, default: tuple[str, str], enclosed: bool) -> tuple[Part, _Open]:
        self.count += 1
        part = Part(0, 0, 0, 0, 0, 0, 0, [], *default)  # offsets are set by close()
        entity = _Open(part, self.lines.pos, None, enclosed)
        self.open.append(entity)
        return part, entity

    def header(self, part: Part) -> _Hit | None:
        """Read a header block into ``part.headers``, up to its blank line, end of file or
        a delimiter line (returned)."""
        headers = part.headers
        budget = MAX_HEADER_BLOCK
        while True:
            at, eol = self.lines.pos, self.lines.eol_before()
            line = self.lines.read_line(MAX_HEADER_BLOCK)
            if line is None:
                return None
            if self.levels:
                found = self.match(line)
                if found is not None:
                    return _Hit(*found, at, eol)
            if line in (b"\n", b"\r\n"):
                return None
            budget -= len(line)
            if budget < 0 or self.kept + len(line) > MAX_HEADERS_KEPT:
                continue  # hostile: counted, not kept
            self.kept += len(line)
            if line.endswith(b"\n"):  # a CR stays unless it is part of the line break
                line = line[:-1].removesuffix(b"\r")
            _add_header_line(headers, line)


def _add_header_line(headers: list[tuple[str, bytes]], line: bytes) -> None:
    if line[:1] in (b" ", b"\t") and headers:
        name, value = headers[-1]
        headers[-1] = (name, value + b"\r\n" + line)
        return
    key, colon, value = line.partition(b":")
    if not colon or not key.strip() or b" " in key.strip():
        return  # malformed line: ignored, as Dovecot does
    headers.append((key.strip().decode("latin-1").lower(), value))


def _set_type(part: Part, default: tuple[str, str]) -> None:
    raw = part.header("content-type")
    if raw is not None:
        value, params = parse_params(raw)
        ctype, slash, sub = value.partition("/")
        if slash and ctype.strip() and sub.strip():
            part.ctype, part.subtype = ctype.strip(), sub.strip()
            part.params = params
            part.explicit_type = True
        elif params:
            part.params = params
    if default[0] == "message" and not part.explicit_type:
        part.explicit_type = True


def _number_leaves(part: Part, counter: list[int]) -> None:
    if part.children:
        for child in part.children:
            _number_leaves(child, counter)
    elif not (part.is_multipart and part.param("boundary")):
        counter[0] += 1
        part.number = counter[0]


def scan_file(f: BinaryIO) -> Part:
    """The MIME tree of the message read from ``f`` (positioned at its start)."""
    root = _Scanner(f).run()
    _number_leaves(root, [0])
    return root


def parse_bytes(data: bytes) -> Part:
    """The MIME tree of a message held in memory (small ones: tests, uploads)."""
    return scan_file(io.BytesIO(data))


_cache: OrderedDict[tuple[str, int, int], Part] = OrderedDict()
_CACHE_SIZE = 64


def scan(path: Path) -> Part:
    """The MIME tree of the message stored at ``path`` (cached: reading then downloading
    a large message scans it once)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        key = (str(path), st.st_size, st.st_mtime_ns)
        root = _cache.get(key)
        if root is None:
            root = scan_file(f)
            _cache[key] = root
            if len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return root


def read_header_block(f: BinaryIO) -> bytes:
    """The first header block of the file ``f`` (at most ``MAX_HEADER_BLOCK`` of it), as
    stored, without the blank line ending it."""
    lines = Lines(f)
    out: list[bytes] = []
    total = 0
    while (line := lines.read_line(MAX_HEADER_BLOCK)) not in (None, b"\n", b"\r\n"):
        total += len(line)
        if total > MAX_HEADER_BLOCK:
            break
        out.append(line)
    return b"".join(out)
