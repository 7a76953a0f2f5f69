"""A stored message as SMTP DATA and POP3 RETR send it: CRLF lines, leading dots doubled.

The file is read with ``readline(limit)``, so a line is never held whole: a
100 MB message without a single line break (hostile, or a badly encoded
attachment) costs one piece of ``limit`` bytes, like any other. Only the
first piece of a line can start with a dot that needs doubling, and a CR that
ends a piece is held back until the next piece says whether an LF follows.
The file may use LF or CRLF line ends; a last line without one gets a CRLF.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

PIECE = 1 << 16  # longest piece of a line read at once
_CRLF = b"\r\n"


class Segment(NamedTuple):
    """One piece of a line: its bytes without line end, whether it starts and ends a line."""

    data: bytes
    starts: bool
    ends: bool


def segments(f: BinaryIO, limit: int = PIECE) -> Iterator[Segment]:
    """The lines of ``f`` (from its position) in pieces of at most ``limit`` bytes."""
    starts = True
    held_cr = b""
    while True:
        piece = f.readline(limit)
        if not piece:
            if held_cr or not starts:  # the file ended inside a line
                yield Segment(b"", starts, True)
            return
        data = held_cr + piece
        held_cr = b""
        if data.endswith(b"\n"):
            data = data[:-2] if data.endswith(_CRLF) else data[:-1]
            yield Segment(data, starts, True)
            starts = True
            continue
        if len(piece) < limit:  # short read without LF: the last line, unended
            yield Segment(data.removesuffix(b"\r"), starts, True)
            return
        if data.endswith(b"\r"):
            data, held_cr = data[:-1], b"\r"
        if data:
            yield Segment(data, starts, False)
            starts = False


def wire_size(f: BinaryIO) -> int:
    """The message's size with CRLF line ends, before stuffing (what RFC 1939 counts)."""
    return sum(len(s.data) + (2 if s.ends else 0) for s in segments(f))


def stuffed(
    f: BinaryIO, body_lines: int | None = None, chunk: int = PIECE, limit: int = PIECE
) -> Iterator[bytes]:
    """The message as CRLF lines with leading dots doubled, in ~``chunk`` pieces; no
    terminating ``.`` line.

    ``body_lines`` given (POP3 TOP): the header, the blank line, then at most
    that many body lines. ``limit`` is the :func:`segments` piece size.
    """
    out: list[bytes] = []
    pending = 0
    in_body = False
    sent_body = 0
    for seg in segments(f, limit):
        if seg.starts:
            if in_body and body_lines is not None:
                if sent_body >= body_lines:
                    break
                sent_body += 1
            elif seg.ends and not seg.data:
                in_body = True
        if seg.starts and seg.data.startswith(b"."):
            out.append(b".")
        out.append(seg.data)
        if seg.ends:
            out.append(_CRLF)
        pending += len(seg.data) + 3
        if pending >= chunk:
            yield b"".join(out)
            out, pending = [], 0
    if out:
        yield b"".join(out)
