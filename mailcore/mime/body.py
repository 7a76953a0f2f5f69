"""Reading a part's bytes from the stored file: as IMAP sends them, or decoded.

Only the range asked for is read, in chunks: a section of a large message
costs its own size, and the decoded download of an attachment streams.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from typing import BinaryIO

from mailcore.maildir import to_crlf
from mailcore.mime.part import Part

_CHUNK = 256 * 1024


def iter_range(f: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """The stored bytes of ``f`` from ``start`` to ``end``, in chunks."""
    f.seek(start)
    left = end - start
    while left > 0:
        chunk = f.read(min(_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def window_of(size: int, window: tuple[int, int] | None) -> tuple[int, int]:
    """``window`` (offset, length) clamped to a range of ``size`` bytes; all when None."""
    offset, length = window if window is not None else (0, size)
    offset = min(max(offset, 0), size)
    return offset, max(0, min(length, size - offset))


def iter_crlf(
    f: BinaryIO, raw: tuple[int, int], size: int, window: tuple[int, int] | None = None
) -> Iterator[bytes]:
    """The file range ``raw`` (start, end) in CRLF form, whose length there is ``size``,
    in chunks; only ``window`` (offset, length) of it when given.

    The range must start at a line start and not end between a CR and its LF (every
    ``Part`` range does), so converting it alone gives the bytes of the whole
    message converted. The chunks add up to ``window_of(size, window)[1]`` bytes.
    """
    offset, length = window_of(size, window)
    if size == raw[1] - raw[0]:  # no bare LF in the range: seek straight to the window
        yield from iter_range(f, raw[0] + offset, raw[0] + offset + length)
        return
    at = 0  # CRLF-form offset of the next converted chunk
    carry = b""
    for chunk in iter_range(f, *raw):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1  # convert whole lines only: a CR may end a chunk
        carry = data[cut:]
        converted = to_crlf(data[:cut])
        kept = _within(converted, at, offset, length)
        at += len(converted)
        if kept:
            yield kept
        if at >= offset + length:
            return
    kept = _within(carry, at, offset, length)
    if kept:
        yield kept


def read_crlf(
    f: BinaryIO, raw: tuple[int, int], size: int, window: tuple[int, int] | None = None
) -> bytes:
    """:func:`iter_crlf` joined: for ranges small enough to hold (headers, small parts)."""
    return b"".join(iter_crlf(f, raw, size, window))


def _within(data: bytes, at: int, offset: int, length: int) -> bytes:
    """The part of ``data`` (which starts at ``at``) inside the window."""
    lo, hi = max(offset - at, 0), min(offset + length - at, len(data))
    return data[lo:hi] if lo < hi else b""


def header_bytes(f: BinaryIO, part: Part) -> bytes:
    """The header block of ``part`` with its blank line, in CRLF form."""
    return read_crlf(f, (part.raw_start, part.raw_body), part.body - part.start)


def body_range(part: Part) -> tuple[tuple[int, int], int]:
    """The body of ``part`` (for multiparts, the raw multipart body): its file range and
    its length in CRLF form, for :func:`iter_crlf`."""
    return (part.raw_body, part.raw_end), part.end - part.body


def message_range(root: Part) -> tuple[tuple[int, int], int]:
    """The whole message: its file range and its length in CRLF form."""
    return (root.raw_start, root.raw_end), root.end - root.start


def body_bytes(f: BinaryIO, part: Part, window: tuple[int, int] | None = None) -> bytes:
    """The body of ``part`` (for multiparts, the raw multipart body) in CRLF form."""
    return read_crlf(f, *body_range(part), window)


def message_bytes(f: BinaryIO, root: Part, window: tuple[int, int] | None = None) -> bytes:
    """The whole message in CRLF form."""
    return read_crlf(f, *message_range(root), window)


def decode_part(f: BinaryIO, part: Part) -> Iterator[bytes]:
    """The decoded body of ``part`` in chunks (base64 and quoted-printable undone)."""
    return decode(iter_range(f, part.raw_body, part.raw_end), part.encoding)


def decode(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """``chunks`` of a body with Content-Transfer-Encoding ``encoding`` (lower case)
    decoded while they stream: base64 and quoted-printable undone, anything else as is.
    Only a partial base64 quantum or quoted-printable line is carried between chunks."""
    if encoding == "base64":
        yield from _decode_base64(chunks)
    elif encoding == "quoted-printable":
        yield from _decode_qp(chunks)
    else:
        yield from chunks


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
