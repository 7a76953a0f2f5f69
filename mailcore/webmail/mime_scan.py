"""The MIME structure of a stored message, found by streaming over its lines.

A 100 MB drawing must never sit in memory: the scanner reads the file line by
line, parses only header blocks (with the standard library, a few KB each)
and records where each leaf part's body starts and ends in the file. Bodies
are then decoded from those byte ranges in chunks (``decode_part``).
Hostile input is bounded: header blocks, nesting depth and part count have
limits, and a missing closing boundary simply ends the part at end of file.
"""

from __future__ import annotations

import binascii
import email.parser
import email.policy
import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO

MAX_HEADER_BLOCK = 256 * 1024
MAX_DEPTH = 20
MAX_PARTS = 1000
_CHUNK = 256 * 1024
_BLOCK = 1 << 20
_PARSER = email.parser.BytesHeaderParser(policy=email.policy.default)


@dataclass
class Part:
    """One leaf part: its headers and the byte range of its (encoded) body."""

    number: int
    content_type: str
    params: dict[str, str]
    disposition: str  # "inline", "attachment" or ""
    filename: str
    encoding: str  # content-transfer-encoding, lower-case
    content_id: str
    start: int
    end: int = -1

    @property
    def size(self) -> int:
        """Encoded size in bytes (what the list shows as an approximation)."""
        return max(0, self.end - self.start)

    @property
    def is_attachment(self) -> bool:
        """Shown as a download rather than as the message text."""
        if self.disposition == "attachment" or self.filename:
            return True
        return not self.content_type.startswith("text/")

    @property
    def charset(self) -> str:
        """The declared charset (utf-8 when none)."""
        return self.params.get("charset", "utf-8") or "utf-8"


@dataclass
class Structure:
    """The top-level headers and the leaf parts of a message."""

    headers: EmailMessage
    parts: list[Part] = field(default_factory=list)


def _parse_headers(block: bytes) -> EmailMessage:
    return _PARSER.parsebytes(block)


def _part_from(headers: EmailMessage, number: int, start: int) -> Part:
    ctype = headers.get_content_type()
    header = headers["content-type"]
    params = {k.lower(): str(v) for k, v in getattr(header, "params", {}).items()}
    disposition = (headers.get_content_disposition() or "").lower()
    try:
        filename = headers.get_filename() or ""
    except (ValueError, LookupError):
        filename = ""
    if not filename and ctype == "message/rfc822":
        filename = "message.eml"
    encoding = str(headers.get("content-transfer-encoding", "7bit")).strip().lower()
    cid = str(headers.get("content-id", "")).strip().strip("<>")
    return Part(number, ctype, params, disposition, _safe_name(filename), encoding, cid, start)


def _safe_name(name: str) -> str:
    """A file name with no path, quotes or control characters (for downloads)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable() and c not in '"<>|:*?')[:200]


def read_header_block(f: BinaryIO, pos: int) -> tuple[bytes, int]:
    """Lines up to and including the blank line ending a header block."""
    lines: list[bytes] = []
    total = 0
    while True:
        line = f.readline(MAX_HEADER_BLOCK)
        if not line:
            break
        pos += len(line)
        if line in (b"\r\n", b"\n"):
            break
        total += len(line)
        if total <= MAX_HEADER_BLOCK:
            lines.append(line)
    return b"".join(lines), pos


_cache: OrderedDict[tuple[str, int, int], Structure] = OrderedDict()
_CACHE_SIZE = 64


def scan(path: Path) -> Structure:
    """The structure of the message stored at ``path`` (cached: reading then downloading
    a large message scans it once).
    """
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        key = (str(path), st.st_size, st.st_mtime_ns)
        structure = _cache.get(key)
        if structure is None:
            structure = scan_file(f)
            _cache[key] = structure
            if len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return structure


def scan_file(f: BinaryIO) -> Structure:
    """The structure of the message read from ``f`` (positioned at its start)."""
    block, pos = read_header_block(f, 0)
    top = _parse_headers(block)
    structure = Structure(top)
    boundaries: list[bytes] = []
    current: Part | None = None
    headers = top
    while True:
        if headers.get_content_maintype() == "multipart" and len(boundaries) < MAX_DEPTH:
            boundary = headers.get_boundary()
            if boundary:
                boundaries.append(b"--" + boundary.encode("ascii", "replace"))
                current = None
            else:
                current = _new_part(structure, headers, pos)
        else:
            current = _new_part(structure, headers, pos)
        if current is None and not boundaries:
            break
        found: tuple[int, bool] | None = None
        if not boundaries:  # a single-part message: the body runs to the end of the file
            if current is not None:
                current.end = f.seek(0, os.SEEK_END)
            break
        while True:  # body / preamble / epilogue up to a delimiter of an open multipart
            line_start, pos, eol_before, found = _find_delimiter(f, pos, boundaries)
            if current is not None:
                current.end = line_start - eol_before
                current = None
            if found is None:
                break
            level, closing = found
            del boundaries[level + 1 :]
            if closing:
                boundaries.pop()
                if boundaries:
                    continue  # the epilogue of a nested multipart
            break
        if found is None or found[1] or len(structure.parts) >= MAX_PARTS:
            break
        f.seek(pos)
        block, pos = read_header_block(f, pos)
        headers = _parse_headers(block)
    return structure


def _new_part(structure: Structure, headers: EmailMessage, pos: int) -> Part | None:
    if len(structure.parts) >= MAX_PARTS:
        return None
    part = _part_from(headers, len(structure.parts) + 1, pos)
    structure.parts.append(part)
    return part


def _dash_line_starts(buf: bytes, limit: int, mid_line: bool) -> Iterator[int]:
    """Offsets of lines starting with ``--`` in ``buf[:limit]`` (``find`` is memchr-fast)."""
    if not mid_line and buf.startswith(b"--"):
        yield 0
    k = buf.find(b"\n--", 0, limit)
    while k >= 0:
        yield k + 1
        k = buf.find(b"\n--", k + 1, limit)


def _find_delimiter(
    f: BinaryIO, pos: int, boundaries: list[bytes]
) -> tuple[int, int, int, tuple[int, bool] | None]:
    """Find the next delimiter line at or after ``pos`` (a line start), reading in blocks.

    Returns (line start, offset after the line, length of the line break before
    it, (level, closing)); at end of file (size, size, 0, None). Whole lines are
    never kept in memory beyond one block: a huge line without breaks is skipped.
    """
    f.seek(pos)
    buf = b""
    base = pos  # file offset of buf[0]
    mid_line = False  # buf[0] is inside a line we skipped
    eol_at_base = 0  # length of the line break just before base
    while True:
        block = f.read(_BLOCK)
        eof = not block
        buf += block
        limit = len(buf) if eof else buf.rfind(b"\n") + 1
        for ls in _dash_line_starts(buf, limit, mid_line):
            le = buf.find(b"\n", ls, limit)
            le = limit if le < 0 else le + 1
            found = _match_boundary(buf[ls:le], boundaries)
            if found is not None:
                eol = eol_at_base if ls == 0 else (2 if buf[ls - 2 : ls] == b"\r\n" else 1)
                return base + ls, base + le, eol, found
        if eof:
            end = base + len(buf)
            return end, end, 0, None
        if limit == 0:  # no line break in the whole buffer: a huge line, never a delimiter
            if len(buf) > _BLOCK:
                base += len(buf)
                buf, mid_line, eol_at_base = b"", True, 0
            continue
        eol_at_base = 2 if buf[limit - 2 : limit] == b"\r\n" else 1
        base += limit
        buf = buf[limit:]
        mid_line = False


def _match_boundary(line: bytes, boundaries: list[bytes]) -> tuple[int, bool] | None:
    """(level, is closing) if ``line`` is a delimiter of an open multipart (innermost first)."""
    stripped = line.rstrip(b" \t\r\n")
    for level in range(len(boundaries) - 1, -1, -1):
        b = boundaries[level]
        if stripped == b:
            return level, False
        if stripped == b + b"--":
            return level, True
    return None


def iter_encoded(f: BinaryIO, part: Part) -> Iterator[bytes]:
    """The raw (still encoded) body bytes of ``part``, in chunks."""
    f.seek(part.start)
    left = part.size
    while left > 0:
        chunk = f.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def decode_part(f: BinaryIO, part: Part) -> Iterator[bytes]:
    """The decoded body of ``part`` in chunks (base64 and quoted-printable undone)."""
    if part.encoding == "base64":
        yield from _decode_base64(iter_encoded(f, part))
    elif part.encoding == "quoted-printable":
        yield from _decode_qp(iter_encoded(f, part))
    else:
        yield from iter_encoded(f, part)


def _decode_base64(chunks: Iterator[bytes]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        data = carry + chunk.translate(None, b" \t\r\n")
        cut = len(data) - len(data) % 4
        carry = data[cut:]
        if cut:
            yield _b64(data[:cut])
    if carry:
        yield _b64(carry + b"=" * (-len(carry) % 4))


def _b64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return b""  # garbage in a hostile part: drop it rather than fail the download


def _decode_qp(chunks: Iterator[bytes]) -> Iterator[bytes]:
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield binascii.a2b_qp(data[:cut])
    if carry:
        yield binascii.a2b_qp(carry)


def read_text(f: BinaryIO, part: Part, limit: int) -> tuple[str, bool]:
    """The decoded text of a text part, at most ``limit`` bytes; (text, truncated)."""
    out = bytearray()
    truncated = False
    for chunk in decode_part(f, part):
        out += chunk
        if len(out) > limit:
            del out[limit:]
            truncated = True
            break
    try:
        return bytes(out).decode(part.charset, "replace"), truncated
    except LookupError:
        return bytes(out).decode("utf-8", "replace"), truncated
