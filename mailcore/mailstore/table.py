"""A folder's messages in packed arrays: no Python object per message.

A 50,000-message INBOX held as one record object per message (uid, path,
flags, size, date, modseq, each a boxed value) cost about 300 bytes a message
plus the dictionaries that found them; here each message is a slot in a few
typed arrays (about 40 bytes) plus its file name in one shared byte buffer.
``MessageRecord`` objects are made on demand, for the few messages a command
touches, and are copies: changes go through the table's setters.

Flag sets repeat (``\\Seen``, ``\\Seen \\Answered``...), so each distinct set
is stored once and messages hold its number. File names are stored without
their ``cur/`` prefix; a rename (a flag change) appends the new name to the
buffer, which is compacted when dead names make up half of it.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from mailcore import maildir


@dataclass(slots=True)
class MessageRecord:
    """One message as the index knows it.

    ``path`` is relative to the folder directory (``cur/<base>:2,<info>``);
    ``flags`` holds system flags (``\\Seen``...) and keywords together.
    """

    uid: int
    path: str
    flags: frozenset[str]
    size: int
    internaldate: float
    modseq: int = 0

    @property
    def base(self) -> str:
        """The unique part of the file name (before its ``:2,`` info)."""
        return maildir.base_of(self.path.rsplit("/", 1)[-1])


_PREFIX = "cur/"
_COMPACT_AT = 1 << 16  # dead bytes below this never trigger a compaction


@dataclass(frozen=True, slots=True)
class PathSnapshot:
    """Copies of the uids and file names, for a scan in a worker thread."""

    uids: array[int]
    names: bytes
    starts: array[int]
    lengths: array[int]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        """(uid, path) pairs in uid order."""
        names = self.names
        for uid, start, length in zip(self.uids, self.starts, self.lengths, strict=True):
            yield uid, _PREFIX + names[start : start + length].decode("utf-8", "surrogateescape")

    def __len__(self) -> int:
        return len(self.uids)


class MessageTable:
    """Messages of one folder in uid order, as parallel typed arrays."""

    def __init__(self) -> None:
        self.uids = array("I")
        self._sizes = array("Q")
        self._dates = array("d")
        self._modseqs = array("Q")
        self._flag_ids = array("I")
        self._starts = array("Q")
        self._lengths = array("I")
        self._names = bytearray()
        self._dead = 0  # bytes of names no message uses any more
        self._flag_sets: list[frozenset[str]] = []
        self._flag_numbers: dict[frozenset[str], int] = {}

    # -- read side -------------------------------------------------------

    def __len__(self) -> int:
        return len(self.uids)

    def position(self, uid: int) -> int:
        """The index of ``uid``, or -1 when the folder has no such message."""
        i = bisect.bisect_left(self.uids, uid)
        return i if i < len(self.uids) and self.uids[i] == uid else -1

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, int) and self.position(uid) >= 0

    def record_at(self, i: int) -> MessageRecord:
        """A copy of the message at index ``i``."""
        return MessageRecord(
            self.uids[i],
            self.path_at(i),
            self._flag_sets[self._flag_ids[i]],
            self._sizes[i],
            self._dates[i],
            self._modseqs[i],
        )

    def get(self, uid: int) -> MessageRecord | None:
        """A copy of message ``uid``, or None."""
        i = self.position(uid)
        return None if i < 0 else self.record_at(i)

    def path_at(self, i: int) -> str:
        """The path (``cur/<name>``) of the message at index ``i``."""
        start = self._starts[i]
        raw = self._names[start : start + self._lengths[i]]
        return _PREFIX + raw.decode("utf-8", "surrogateescape")

    def flags_at(self, i: int) -> frozenset[str]:
        """The flags of the message at index ``i``."""
        return self._flag_sets[self._flag_ids[i]]

    def size_at(self, i: int) -> int:
        """The size (CRLF) of the message at index ``i``."""
        return self._sizes[i]

    def modseq_at(self, i: int) -> int:
        """The modseq of the message at index ``i``."""
        return self._modseqs[i]

    def flag_ids(self) -> array[int]:
        """Each message's flag-set number (read-only use: see ``flag_set``)."""
        return self._flag_ids

    def flag_set(self, number: int) -> frozenset[str]:
        """The flag set numbered ``number``."""
        return self._flag_sets[number]

    def flag_count(self) -> int:
        """How many distinct flag sets are numbered (``flag_set`` takes 0 to this - 1)."""
        return len(self._flag_sets)

    def flag_sets(self) -> list[frozenset[str]]:
        """Every distinct flag set seen so far (some may no longer be used)."""
        return list(self._flag_sets)

    def numbers_with(self, flag: str, present: bool = True) -> set[int]:
        """The flag-set numbers that contain ``flag`` (or lack it)."""
        return {n for n, fs in enumerate(self._flag_sets) if (flag in fs) == present}

    def positions_where(self, numbers: set[int]) -> list[int]:
        """Indexes of the messages whose flag-set number is in ``numbers``."""
        if not numbers:
            return []
        return [i for i, n in enumerate(self._flag_ids) if n in numbers]

    def count_where(self, numbers: set[int]) -> int:
        """How many messages have a flag-set number in ``numbers``."""
        if not numbers:
            return 0
        return sum(self._flag_ids.count(n) for n in numbers)

    def total_size(self) -> int:
        """The sum of the messages' sizes."""
        return sum(self._sizes)

    def changed_after(self, modseq: int) -> list[int]:
        """Indexes of the messages whose modseq is above ``modseq``."""
        return [i for i, m in enumerate(self._modseqs) if m > modseq]

    def footprint(self) -> int:
        """Bytes held by the arrays and the name buffer (what grows with the messages)."""
        return sum(c.itemsize * c.buffer_info()[1] for c in self._columns()) + len(self._names)

    def paths(self) -> PathSnapshot:
        """A copy of the uids and names (taken on the loop, read in a worker thread)."""
        return PathSnapshot(
            array("I", self.uids),
            bytes(self._names),
            array("Q", self._starts),
            array("I", self._lengths),
        )

    # -- changes ---------------------------------------------------------

    def append(self, rec: MessageRecord) -> None:
        """Add a message whose uid is above every uid here."""
        self.append_row(rec.uid, rec.path, rec.flags, rec.size, rec.internaldate, rec.modseq)

    def append_row(
        self, uid: int, path: str, flags: frozenset[str], size: int, date: float, modseq: int
    ) -> None:
        """``append`` from the values of a record (the index's rows: no record is made)."""
        if self.uids and uid <= self.uids[-1]:
            raise ValueError(f"uid {uid} is not above {self.uids[-1]}")
        self.uids.append(uid)
        self._sizes.append(size)
        self._dates.append(date)
        self._modseqs.append(modseq)
        self._flag_ids.append(self._number(flags))
        start, length = self._store_name(path)
        self._starts.append(start)
        self._lengths.append(length)

    def extend_rows(self, rows: Sequence[tuple[int, str, frozenset[str], int, float, int]]) -> None:
        """``append_row`` for many rows in uid order, a column at a time (loading an index)."""
        if not rows:
            return
        uids = [r[0] for r in rows]
        if any(a >= b for a, b in itertools.pairwise(uids)) or (
            self.uids and uids[0] <= self.uids[-1]
        ):
            raise ValueError("rows are not in increasing uid order above the table's")
        if not all(r[1].startswith(_PREFIX) for r in rows):
            raise ValueError("a message path is not in cur/")
        names = [r[1][len(_PREFIX) :].encode("utf-8", "surrogateescape") for r in rows]
        lengths = list(map(len, names))
        base = len(self._names)
        self._starts.extend(itertools.accumulate(lengths[:-1], initial=base))
        self._lengths.extend(lengths)
        self._names += b"".join(names)
        self.uids.extend(uids)
        self._flag_ids.extend([self._number(r[2]) for r in rows])
        self._sizes.extend([r[3] for r in rows])
        self._dates.extend([r[4] for r in rows])
        self._modseqs.extend([r[5] for r in rows])

    def extend(self, records: Iterable[MessageRecord]) -> None:
        """``append`` each record in turn."""
        for rec in records:
            self.append(rec)

    def update(self, i: int, path: str, flags: frozenset[str], modseq: int) -> None:
        """Set the path, flags and modseq of the message at index ``i``."""
        if path != self.path_at(i):
            self._dead += self._lengths[i]
            self._starts[i], self._lengths[i] = self._store_name(path)
            self._compact_if_wasteful()
        self._flag_ids[i] = self._number(flags)
        self._modseqs[i] = modseq

    def remove_at(self, i: int) -> None:
        """Drop the message at index ``i``."""
        self._dead += self._lengths[i]
        for column in self._columns():
            del column[i]
        self._compact_if_wasteful()

    # -- internals -------------------------------------------------------

    def _columns(self) -> tuple[array[int] | array[float], ...]:
        return (
            self.uids,
            self._sizes,
            self._dates,
            self._modseqs,
            self._flag_ids,
            self._starts,
            self._lengths,
        )

    def _number(self, flags: frozenset[str]) -> int:
        number = self._flag_numbers.get(flags)
        if number is None:
            number = self._flag_numbers[flags] = len(self._flag_sets)
            self._flag_sets.append(flags)
        return number

    def _store_name(self, path: str) -> tuple[int, int]:
        if not path.startswith(_PREFIX):
            raise ValueError(f"message path {path!r} is not in cur/")
        raw = path[len(_PREFIX) :].encode("utf-8", "surrogateescape")
        start = len(self._names)
        self._names += raw
        return start, len(raw)

    def _compact_if_wasteful(self) -> None:
        if self._dead < _COMPACT_AT or self._dead * 2 < len(self._names):
            return
        names = bytearray()
        for i, (start, length) in enumerate(zip(self._starts, self._lengths, strict=True)):
            self._starts[i] = len(names)
            names += self._names[start : start + length]
        self._names = names
        self._dead = 0


class RecordList(Sequence[MessageRecord]):
    """The messages of a table as a read-only sequence of records made on demand."""

    def __init__(self, table: MessageTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table)

    @overload
    def __getitem__(self, index: int) -> MessageRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[MessageRecord]: ...

    def __getitem__(self, index: int | slice) -> MessageRecord | list[MessageRecord]:
        if isinstance(index, slice):
            return [self._table.record_at(i) for i in range(*index.indices(len(self._table)))]
        if index < 0:
            index += len(self._table)
        if not 0 <= index < len(self._table):
            raise IndexError("message index out of range")
        return self._table.record_at(index)

    def __iter__(self) -> Iterator[MessageRecord]:
        for i in range(len(self._table)):
            yield self._table.record_at(i)


class RecordsByUid(Mapping[int, MessageRecord]):
    """The records by uid, as a read-only mapping (records made on demand)."""

    def __init__(self, table: MessageTable) -> None:
        self._table = table

    def __contains__(self, uid: object) -> bool:
        return uid in self._table

    def __getitem__(self, uid: int) -> MessageRecord:
        rec = self._table.get(uid)
        if rec is None:
            raise KeyError(uid)
        return rec

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[int]:
        return iter(self._table.uids)
