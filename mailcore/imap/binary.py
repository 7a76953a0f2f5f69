"""FETCH BINARY[section]<partial>, BINARY.PEEK and BINARY.SIZE (RFC 3516).

A leaf part's body is sent with its Content-Transfer-Encoding undone: base64
and quoted-printable are decoded while the part streams from the message file
(``mime.body.decode``, the decoder the webmail download uses), so a 100 MB
attachment costs a chunk, never itself. Its decoded size must be announced
before its bytes, so a large part is decoded twice: once to count, once to
send. Decoded bodies go out as ``~{n}`` (literal8): they may hold any octet,
NUL included, which a ``{n}`` literal may not (RFC 3516 4.3).

APPEND takes a ``~{n}`` message too (RFC 3516 4.4). Messages are stored as
sent and BODY[] must send them in ``{n}`` literals, which cannot carry NUL: a
literal8 message holding a NUL octet is refused with ``NO [UNKNOWN-CTE]``, as
the RFC asks of a mailbox that cannot store binary content; any other is the
same as a ``{n}`` one.

A composite section (multipart, message/rfc822) and the whole message
(``BINARY[]``) have no encoding of their own to undo: RFC 2045 6.4 allows a
composite entity only 7bit, 8bit or binary, so their bytes are those of
BODY[section]. (Dovecot goes further and re-encodes the enclosed parts with
their encodings undone and ``Content-Transfer-Encoding: binary`` headers; the
RFC does not ask for that, and clients fetch the leaves they show.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailcore import mime
from mailcore.imap.grammar import FetchItem, Section
from mailcore.mime.body import body_range, decode, iter_crlf, message_range, window_of

_IDENTITY = {"7bit", "8bit", "binary"}
_DECODED = {"base64", "quoted-printable"}
_SCAN_CHUNK = 1 << 20


class UnknownCte(Exception):
    """A part's Content-Transfer-Encoding is one the server cannot undo: the FETCH
    fails with ``NO [UNKNOWN-CTE]`` (RFC 3516 4.3)."""


@dataclass
class DecodedLiteral:
    """A section's body sent from the message file with its encoding undone.

    ``raw``/``size`` are its file range and CRLF length (``mime.body.iter_crlf``),
    ``encoding`` the transfer encoding to undo ("" for none) and ``total`` its
    decoded length; only ``window`` (offset, length) of the decoded bytes is sent.
    """

    path: Path
    raw: tuple[int, int]
    size: int
    encoding: str
    total: int
    window: tuple[int, int] | None

    @property
    def length(self) -> int:
        """The literal's length, announced before the bytes."""
        return window_of(self.total, self.window)[1]

    def chunks(self) -> Iterator[bytes]:
        """The decoded bytes of the window, in chunks that add up to :attr:`length`.

        Raises:
            OSError: the file cannot be opened or read.
        """
        offset, length = window_of(self.total, self.window)
        with open(self.path, "rb") as f:
            if not self.encoding:  # nothing to undo: seek straight to the window
                yield from iter_crlf(f, self.raw, self.size, self.window)
                return
            yield from _window(decoded(f, self.raw, self.size, self.encoding), offset, length)


def decoded(f: BinaryIO, raw: tuple[int, int], size: int, encoding: str) -> Iterator[bytes]:
    """The CRLF form of the file range ``raw`` of ``f`` with ``encoding`` undone."""
    return decode(iter_crlf(f, raw, size), encoding)


def _window(chunks: Iterator[bytes], offset: int, length: int) -> Iterator[bytes]:
    at = 0
    end = offset + length
    for chunk in chunks:
        lo, hi = max(offset - at, 0), min(end - at, len(chunk))
        at += len(chunk)
        if lo < hi:
            yield chunk[lo:hi]
        if at >= end:
            return


def holds_nul(message: bytes | Path) -> bool:
    """Whether an APPENDed message (bytes, or the spool file holding it) has a NUL."""
    if isinstance(message, bytes):
        return b"\x00" in message
    with open(message, "rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            if b"\x00" in chunk:
                return True
    return False


def _target(root: mime.Part, section: Section) -> tuple[tuple[int, int], int, str] | None:
    """The file range, CRLF length and encoding to undo ("" for none) of the section;
    None when the part does not exist."""
    if not section.part:
        raw, size = message_range(root)
        return raw, size, ""
    part = root.sub(section.part)
    if part is None:
        return None
    raw, size = body_range(part)
    if part.is_multipart or part.message is not None:
        return raw, size, ""  # composite: nothing of its own to undo (RFC 2045 6.4)
    encoding = part.encoding
    if encoding in _IDENTITY:
        return raw, size, ""
    if encoding not in _DECODED:
        raise UnknownCte(encoding)
    return raw, size, encoding


def binary_item(
    item: FetchItem, root: mime.Part, path: Path, stream_above: int
) -> list[bytes | DecodedLiteral]:
    """The response pieces of one BINARY, BINARY.PEEK or BINARY.SIZE item: bytes, and a
    :class:`DecodedLiteral` in place of a literal longer than ``stream_above``.

    Raises:
        UnknownCte: the part's transfer encoding is not known.
        OSError: the message file could not be read.
    """
    section = item.section or Section()
    target = _target(root, section)
    name = "BINARY.SIZE" if item.name == "BINARY.SIZE" else "BINARY"
    label = f"{name}[{section.render()}]".encode()
    if item.partial is not None and name == "BINARY":
        label += b"<%d>" % item.partial[0]
    if target is None:  # a part that does not exist is empty, as in Dovecot
        return [label + (b" 0" if name == "BINARY.SIZE" else b" {0}\r\n")]
    raw, size, encoding = target
    if name == "BINARY.SIZE" and not encoding:
        return [label + b" %d" % size]
    marker = b" ~{%d}\r\n" if encoding else b" {%d}\r\n"
    with open(path, "rb") as f:
        if size <= stream_above:  # decoding never makes a body longer: hold it
            data = b"".join(decoded(f, raw, size, encoding))
            if name == "BINARY.SIZE":
                return [label + b" %d" % len(data)]
            offset, length = window_of(len(data), item.partial)
            return [label + marker % length + data[offset : offset + length]]
        # Only a decoded length needs counting (a pass over the part; the bytes are
        # dropped as they come).
        total = sum(len(c) for c in decoded(f, raw, size, encoding)) if encoding else size
    if name == "BINARY.SIZE":
        return [label + b" %d" % total]
    literal = DecodedLiteral(path, raw, size, encoding, total, item.partial)
    return [label + marker % literal.length, literal]
