"""Evaluate RFC 3501 SEARCH keys against messages.

Flag, size, date and uid keys use only the index; header and text keys parse
the message, decode encoded words and transfer encodings, and compare
case-insensitively (as Dovecot does without full-text search). Bodies are
searched chunk by chunk, never decoded whole.
"""

from __future__ import annotations

import codecs
import datetime
import email.utils
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from mailcore import mime
from mailcore.imap.address import address_text, parse_address_list
from mailcore.imap.grammar import SearchKey, SeqSet
from mailcore.mailstore import MessageRecord

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "DRAFT": ("\\Draft", True),
    "FLAGGED": ("\\Flagged", True),
    "SEEN": ("\\Seen", True),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNDRAFT": ("\\Draft", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
}
_ADDRESS_KEYS = {"BCC": "bcc", "CC": "cc", "FROM": "from", "TO": "to"}


class Candidate:
    """One message under test; parses its file only when a key needs it.

    ``head(name)`` gives one header unfolded: SORT and THREAD read theirs through it,
    from the shared cache's header fields, so a folder is not re-parsed per command.
    ``head_part()`` gives the top-level headers alone (header keys of SEARCH need no
    body). Without them, headers come from the parsed message.
    """

    def __init__(
        self,
        seq: int,
        rec: MessageRecord,
        max_seq: int,
        max_uid: int,
        load: Callable[[], mime.Part],
        path: Callable[[], Path],
        recent: bool = False,
        head: Callable[[str], bytes | None] | None = None,
        head_part: Callable[[], mime.Part] | None = None,
    ) -> None:
        self.seq, self.rec, self.recent = seq, rec, recent
        self.max_seq, self.max_uid = max_seq, max_uid
        self._load = load
        self._head, self._head_part = head, head_part
        self._headers: list[tuple[str, bytes]] | None = None
        self.path = path  # where its file is now (a flag change renames it)
        self._part: mime.Part | None = None

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        """The top-level headers, (lower-case name, raw value), without reading the body."""
        if self._part is not None or self._head_part is None:
            return self.part.headers
        if self._headers is None:
            self._headers = self._head_part().headers
        return self._headers

    def header(self, name: str) -> bytes | None:
        """The first header ``name`` (lower case) unfolded, or None."""
        if self._head is not None and self._part is None:
            return self._head(name)
        return self.part.header(name)

    @property
    def part(self) -> mime.Part:
        """The parsed message."""
        if self._part is None:
            self._part = self._load()
        return self._part


def decode_header(raw: bytes) -> str:
    """A header value with encoded words decoded (best effort, never raises)."""
    return mime.decode_words(raw.decode("utf-8", "replace"))


def body_contains(f: BinaryIO, part: mime.Part, needle: str) -> bool:
    """Whether the decoded text of a leaf part of ``part`` contains ``needle`` (casefolded).

    Each part is decoded chunk by chunk (transfer encoding, then charset with an
    incremental decoder), so a 100 MB attachment costs one chunk, not its text:
    the last ``len(needle) - 1`` casefolded characters are carried into the
    next chunk, so a match across a chunk edge is still found.
    """
    if part.is_multipart:
        return any(body_contains(f, child, needle) for child in part.children)
    if part.message is not None:
        return body_contains(f, part.message, needle)
    try:
        decoder = codecs.getincrementaldecoder(part.charset)("replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
    keep = len(needle) - 1
    tail = ""
    for chunk in mime.decode_part(f, part):
        text = tail + decoder.decode(chunk).casefold()
        if needle in text:
            return True
        tail = text[-keep:] if keep else ""
    return needle in tail + decoder.decode(b"", final=True).casefold()


def _address_header(raw: bytes) -> str:
    """An address header as SEARCH sees it: parsed, written back, encoded words decoded."""
    return decode_header(address_text(parse_address_list(mime.unfold(raw)) or []))


def _sent_date(c: Candidate) -> datetime.date:
    """The Date header's day; the internal date when it is missing or invalid (as Dovecot)."""
    raw = c.header("date")
    if raw is not None:
        try:
            return email.utils.parsedate_to_datetime(raw.decode("ascii", "replace")).date()
        except (ValueError, TypeError, IndexError):
            pass
    return datetime.datetime.fromtimestamp(c.rec.internaldate).date()


def _compare(op: str, value: datetime.date | None, target: tuple[int, int, int]) -> bool:
    if value is None:
        return False
    day = datetime.date(*target)
    if op.endswith("BEFORE"):
        return value < day
    if op.endswith("ON"):
        return value == day
    return value >= day


def _in_set(seqset: object, value: int, largest: int) -> bool:
    assert isinstance(seqset, SeqSet)
    return bool(seqset.resolve([value], largest))


def matches(key: SearchKey, c: Candidate) -> bool:
    """Whether candidate ``c`` satisfies ``key``."""
    op, args = key.op, key.args
    if op == "ALL":
        return True
    if op == "AND":
        return all(matches(k, c) for k in args if isinstance(k, SearchKey))
    if op == "OR":
        a, b = args
        assert isinstance(a, SearchKey) and isinstance(b, SearchKey)
        return matches(a, c) or matches(b, c)
    if op == "NOT":
        inner = args[0]
        assert isinstance(inner, SearchKey)
        return not matches(inner, c)
    if op in _FLAG_KEYS:
        flag, want = _FLAG_KEYS[op]
        return (flag in c.rec.flags) == want
    if op == "RECENT":
        return c.recent
    if op == "NEW":
        return c.recent and "\\Seen" not in c.rec.flags
    if op == "OLD":
        return not c.recent
    if op == "KEYWORD":
        return args[0] in c.rec.flags
    if op == "UNKEYWORD":
        return args[0] not in c.rec.flags
    if op == "LARGER":
        return c.rec.size > int(str(args[0]))
    if op == "SMALLER":
        return c.rec.size < int(str(args[0]))
    if op == "MODSEQ":
        return c.rec.modseq >= int(str(args[0]))
    if op == "SEQ":
        return _in_set(args[0], c.seq, c.max_seq)
    if op == "UID":
        return _in_set(args[0], c.rec.uid, c.max_uid)
    if op in ("BEFORE", "ON", "SINCE"):
        local = datetime.datetime.fromtimestamp(c.rec.internaldate).date()
        return _compare(op, local, args[0])  # type: ignore[arg-type]
    if op in ("SENTBEFORE", "SENTON", "SENTSINCE"):
        return _compare(op, _sent_date(c), args[0])  # type: ignore[arg-type]
    needle = str(args[-1]).casefold()
    if op in _ADDRESS_KEYS:
        # Matched on the addresses written back (comments and folds gone) and then
        # decoded, as Dovecot does: FROM user@domain.org finds
        # "<user (comment)@ (comment) domain.org>" (RFC 5322 3.2.2 CFWS).
        values = [v for k, v in c.headers if k == _ADDRESS_KEYS[op]]
        return any(needle in _address_header(v).casefold() for v in values)
    if op in ("SUBJECT", "HEADER"):
        name = "subject" if op == "SUBJECT" else str(args[0]).lower()
        values = [v for k, v in c.headers if k == name]
        return any(needle in decode_header(mime.unfold(v)).casefold() for v in values)
    if op in ("BODY", "TEXT"):
        with open(c.path(), "rb") as f:
            if op == "TEXT" and needle in decode_header(mime.header_bytes(f, c.part)).casefold():
                return True
            return body_contains(f, c.part, needle)
    raise ValueError(f"unsupported search key {op}")
