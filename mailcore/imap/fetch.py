"""Build FETCH responses for one message from the index and the stored file.

The MIME tree of a message is found by streaming over its file (cached, it
holds offsets and headers, never bodies); body sections are then read from
the file, each only over its own range. A section larger than
:data:`STREAM_ABOVE` is not even read here: the response carries a
:class:`FileLiteral` that the session sends from the file in chunks, so a
100 MB attachment costs its chunk size, not several copies of itself.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailcore import mime
from mailcore.imap import binary, structure
from mailcore.imap.grammar import FetchItem, Section
from mailcore.imap.response import Literal, render
from mailcore.mailstore import Folder, MessageRecord

_NEEDS_TREE = {
    "ENVELOPE",
    "BODY",
    "BODYSTRUCTURE",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.TEXT",
    "BODY.PEEK",
}
STREAM_ABOVE = 1 << 20  # bytes: a bigger literal is sent from the file while it is read
_CACHE_SIZE = 64  # trees of offsets and headers: a few KB each, 1 MB at worst


def imap_date(ts: float) -> str:
    """``17-Jul-1996 02:44:25 -0700`` in the server's local time zone."""
    dt = datetime.datetime.fromtimestamp(ts).astimezone()
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[
        dt.month - 1
    ]
    return f"{dt.day:02d}-{month}-{dt.year:04d} {dt:%H:%M:%S %z}"


def sets_seen(items: list[FetchItem]) -> bool:
    """Whether the items imply ``\\Seen`` (non-peek body sections, RFC822, RFC822.TEXT,
    BINARY)."""
    return any(
        i.name in ("RFC822", "RFC822.TEXT", "BINARY") or (i.name == "BODY" and i.section)
        for i in items
    )


_STRUCT_CACHE_SIZE = 20_000
_STRUCT_CACHE_BYTES = 4 << 20  # a sync of a big folder's envelopes must not hold tens of MiB
# The headers SORT and THREAD read (RFC 5256): kept per message, unfolded, in this order.
SORT_HEADERS = ("subject", "from", "to", "cc", "date", "message-id", "references", "in-reply-to")
_HEADS_BUDGET = 8 << 20  # bytes of kept header values (and ~100 a message of overhead)
_STRUCT_ITEMS = {"ENVELOPE", "BODYSTRUCTURE", "BODY"}
_FILE_ITEMS = {"RFC822", "RFC822.HEADER", "RFC822.TEXT"}  # and every BODY[section]


@dataclass
class CacheStats:
    """What the cache had to read from message files (for tests and the curious)."""

    tree_scans: int = 0  # whole files streamed for a MIME tree
    header_reads: int = 0  # header blocks read for ``SORT_HEADERS``


Heads = tuple[bytes | None, ...]  # the values of ``SORT_HEADERS``, None where absent


class MessageCache:
    """The MIME trees of the last messages used (clients fetch a message's parts one by
    one), rendered ENVELOPE/BODYSTRUCTURE of many (clients re-fetch those at every
    sync), and the ``SORT_HEADERS`` of many (SORT and THREAD read them for a whole
    folder at every command). Memory stays bounded: a tree holds offsets and at most
    ``MAX_HEADERS_KEPT`` of headers (``mailcore.mime.parse``), the sort headers at most
    ``_HEADS_BUDGET`` bytes, and bodies are never cached."""

    def __init__(self) -> None:
        # Keyed by (folder directory, UIDVALIDITY, uid): a folder deleted and re-created
        # under the same name reuses uids, never its UIDVALIDITY (``Index.next_uidvalidity``).
        self._items: OrderedDict[tuple[str, int, int], mime.Part] = OrderedDict()
        self.rendered: OrderedDict[tuple[str, int, int, str], bytes] = OrderedDict()
        self._rendered_bytes = 0  # what the rendered items hold, bounded by _STRUCT_CACHE_BYTES
        self._heads: OrderedDict[tuple[str, int, int], Heads] = OrderedDict()
        self._heads_bytes = 0
        self.stats = CacheStats()

    def forget(self, folder_path: Path) -> None:
        """Drop every entry of the folder at ``folder_path`` (it was deleted): its
        messages are gone, and their trees must not outlive them."""
        key = str(folder_path)
        for k in [k for k in self._items if k[0] == key]:
            del self._items[k]
        for r in [r for r in self.rendered if r[0] == key]:
            self._rendered_bytes -= len(self.rendered.pop(r))
        for k in [k for k in self._heads if k[0] == key]:
            self._heads_bytes -= _heads_size(self._heads.pop(k))

    def rendered_item(self, folder: Folder, rec: MessageRecord, name: str) -> bytes | None:
        """A cached rendered structure item, if any."""
        return self.rendered.get((*_key(folder, rec), name))

    def keep_rendered(self, folder: Folder, rec: MessageRecord, name: str, data: bytes) -> None:
        """Remember a rendered structure item (messages never change, so no invalidation)."""
        key = (*_key(folder, rec), name)
        old = self.rendered.pop(key, None)
        if old is not None:
            self._rendered_bytes -= len(old)
        self.rendered[key] = data
        self._rendered_bytes += len(data)
        while len(self.rendered) > _STRUCT_CACHE_SIZE or self._rendered_bytes > _STRUCT_CACHE_BYTES:
            _, dropped = self.rendered.popitem(last=False)
            self._rendered_bytes -= len(dropped)

    def get(self, folder: Folder, rec: MessageRecord) -> mime.Part:
        """The MIME tree of the message (scans its file on a miss).

        Raises:
            KeyError: the message is gone.
            OSError: its file could not be read.
        """
        key = _key(folder, rec)
        part = self._items.get(key)
        if part is None:
            with open(folder.file(rec.uid), "rb") as f:
                part = mime.scan_file(f)
            self.stats.tree_scans += 1
            self._items[key] = part
            if len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return part

    def header(self, folder: Folder, rec: MessageRecord, name: str) -> bytes | None:
        """The first header ``name`` (lower case) of the message, unfolded, or None.

        A name of ``SORT_HEADERS`` comes from the kept values, read on a miss from the
        cached tree if there is one, else from the file's header block alone (SORT
        over a folder must not stream every body); any other name from the tree.

        Raises:
            KeyError: the message is gone.
            OSError: its file could not be read.
        """
        if name not in SORT_HEADERS:
            return self.get(folder, rec).header(name)
        key = _key(folder, rec)
        heads = self._heads.get(key)
        if heads is None:
            part = self.head(folder, rec)
            heads = tuple(part.header(name) for name in SORT_HEADERS)
            self._heads[key] = heads
            self._heads_bytes += _heads_size(heads)
            while self._heads_bytes > _HEADS_BUDGET and len(self._heads) > 1:
                self._heads_bytes -= _heads_size(self._heads.popitem(last=False)[1])
        else:
            self._heads.move_to_end(key)
        return heads[SORT_HEADERS.index(name)]

    def head(self, folder: Folder, rec: MessageRecord) -> mime.Part:
        """The message's top-level headers as a part without body: the cached tree if
        there is one, else its header block alone, read now (not kept: SEARCH header
        keys need any header, and a folder's worth of header blocks is too much to keep).

        Raises:
            KeyError: the message is gone.
            OSError: its file could not be read.
        """
        part = self._items.get(_key(folder, rec))
        if part is not None:
            return part
        with open(folder.file(rec.uid), "rb") as f:
            block = mime.read_header_block(f)
        self.stats.header_reads += 1
        # parsed by the MIME scanner itself, so the headers are exactly the tree's
        return mime.parse_bytes(block + b"\n\n")


def _key(folder: Folder, rec: MessageRecord) -> tuple[str, int, int]:
    # the folder's path interned: one string for all its entries, not one per message
    return sys.intern(str(folder.path)), folder.uidvalidity, rec.uid


def _heads_size(heads: Heads) -> int:
    return 100 + sum(len(v) for v in heads if v is not None)


@dataclass
class FileLiteral:
    """A literal sent straight from the message file: ``length`` bytes in CRLF form.

    It opens the file when sending starts, so a message renamed in between
    (a flag change) is only a failed read, never a wrong one.
    """

    path: Path
    raw: tuple[int, int]
    size: int
    window: tuple[int, int] | None

    @property
    def length(self) -> int:
        """The literal's length, announced as ``{length}`` before the bytes."""
        return mime.body.window_of(self.size, self.window)[1]

    def chunks(self) -> Iterator[bytes]:
        """The bytes, in chunks that add up to :attr:`length`.

        Raises:
            OSError: the file cannot be opened or read.
        """
        with open(self.path, "rb") as f:
            yield from mime.body.iter_crlf(f, self.raw, self.size, self.window)


Piece = bytes | FileLiteral | binary.DecodedLiteral


def fetch_response(
    seq: int,
    rec: MessageRecord,
    folder: Folder,
    items: list[FetchItem],
    cache: MessageCache,
    with_uid: bool,
    flags_changed: bool,
    flags: bytes,
) -> list[Piece]:
    """``* seq FETCH (...)`` for one message; ``flags`` is its rendered FLAGS value
    (as the session shows it: with ``\\Recent`` if recent there).

    Returns:
        The response as bytes, with a :class:`FileLiteral` in place of each large
        section (the session sends it from the file).

    Raises:
        OSError: the message file could not be read.
    """
    out: list[list[Piece]] = []
    names = {i.name for i in items}
    if with_uid and "UID" not in names:
        out.append([b"UID %d" % rec.uid])
    part: mime.Part | None = None
    with contextlib.ExitStack() as stack:
        f: BinaryIO | None = None
        for item in items:
            structural = item.name in _STRUCT_ITEMS and item.section is None
            if structural:
                hit = cache.rendered_item(folder, rec, item.name)
                if hit is not None:
                    out.append([hit])
                    continue
            if part is None and (item.name in _NEEDS_TREE or item.section is not None):
                part = cache.get(folder, rec)
            if item.name.startswith("BINARY"):  # RFC 3516; raises binary.UnknownCte
                assert part is not None
                out.append([*binary.binary_item(item, part, folder.file(rec.uid), STREAM_ABOVE)])
                continue
            streamed = _streamed(item, part, folder.file(rec.uid))
            if streamed is not None:
                out.append(streamed)
                continue
            if f is None and (item.section is not None or item.name in _FILE_ITEMS):
                f = stack.enter_context(open(folder.file(rec.uid), "rb"))
            data = _item(item, rec, part, f, flags)
            if structural:
                cache.keep_rendered(folder, rec, item.name, data)
            out.append([data])
    if flags_changed and "FLAGS" not in names:
        out.append([b"FLAGS " + flags])
    pieces: list[Piece] = [b"* %d FETCH (" % seq]
    for index, item_pieces in enumerate(out):
        if index:
            pieces.append(b" ")
        pieces.extend(item_pieces)
    pieces.append(b")\r\n")
    return _joined(pieces)


def _streamed(item: FetchItem, part: mime.Part | None, path: Path) -> list[Piece] | None:
    """``label {n}\\r\\n`` and a :class:`FileLiteral` for a large body section, else None."""
    if part is None:
        return None
    if item.name == "RFC822":
        raw, size = mime.body.message_range(part)
        label, window = "RFC822", None
    elif item.name == "RFC822.TEXT":
        raw, size = mime.body.body_range(part)
        label, window = "RFC822.TEXT", None
    elif item.name in ("BODY", "BODY.PEEK") and item.section is not None:
        found = structure.section_range(part, item.section)
        if found is None:
            return None
        raw, size = found
        label, window = f"BODY[{item.section.render()}]", item.partial
        if window is not None:
            label += f"<{window[0]}>"
    else:
        return None
    literal = FileLiteral(path, raw, size, window)
    if literal.length <= STREAM_ABOVE:
        return None
    return [label.encode() + b" {%d}\r\n" % literal.length, literal]


def _joined(pieces: list[Piece]) -> list[Piece]:
    """Adjacent bytes joined, so a response without file literals is one bytes object."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, bytes) and out and isinstance(out[-1], bytes):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _item(
    item: FetchItem,
    rec: MessageRecord,
    part: mime.Part | None,
    f: BinaryIO | None,
    flags: bytes,
) -> bytes:
    name = item.name
    if name == "UID":
        return b"UID %d" % rec.uid
    if name == "FLAGS":
        return b"FLAGS " + flags
    if name == "INTERNALDATE":
        return b"INTERNALDATE " + render(imap_date(rec.internaldate))
    if name == "RFC822.SIZE":
        return b"RFC822.SIZE %d" % rec.size
    if name == "MODSEQ":
        return b"MODSEQ (%d)" % rec.modseq
    assert part is not None
    if name == "ENVELOPE":
        return b"ENVELOPE " + render(structure.envelope(part))
    if name == "BODYSTRUCTURE":
        return b"BODYSTRUCTURE " + render(structure.body_structure(part, True))
    if name == "BODY" and item.section is None:
        return b"BODY " + render(structure.body_structure(part, False))
    assert f is not None
    if name == "RFC822":
        return b"RFC822 " + render(Literal(mime.message_bytes(f, part)))
    if name == "RFC822.HEADER":
        return b"RFC822.HEADER " + render(Literal(mime.header_bytes(f, part)))
    if name == "RFC822.TEXT":
        return b"RFC822.TEXT " + render(Literal(mime.body_bytes(f, part)))
    section = item.section or Section()
    data = structure.section_bytes(f, part, section, item.partial)
    label = f"BODY[{section.render()}]"
    if item.partial is not None:
        label += f"<{item.partial[0]}>"
    return label.encode() + b" " + render(Literal(data))
