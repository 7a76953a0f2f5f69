"""A folder's expunge history for QRESYNC (RFC 7162 3.2): which uids were expunged
after a given modseq. Bounded: past ``LIMIT`` uids the older half is forgotten at
once and the history then starts later; for a modseq before its start every
absent uid is answered, which RFC 7162 3.2.5.1 allows."""

from __future__ import annotations

from collections.abc import Container

LIMIT = 20_000
"""Expunged uids remembered per folder (in memory and in the index)."""


class ExpungeHistory:
    """uid -> modseq of its expunge, from modseq ``start`` on (earlier ones unknown)."""

    def __init__(self, rows: dict[int, int]) -> None:
        """``rows`` as ``Index.expunged`` gives them (uid 0 holds the start)."""
        self.start = rows.pop(0, 0)
        self.uids = rows

    def record(self, uid: int, modseq: int) -> None:
        """Remember that ``uid`` was expunged at ``modseq``."""
        self.uids[uid] = modseq
        if len(self.uids) > LIMIT:
            self.start = max(self.start, cut_modseq(sorted(self.uids.values())))
            self.uids = {u: ms for u, ms in self.uids.items() if ms > self.start}

    def since(self, modseq: int, uidnext: int, present: Container[int]) -> list[int]:
        """Uids expunged after ``modseq``, sorted; every absent uid below ``uidnext``
        when ``modseq`` is older than the history."""
        if modseq < self.start:
            return [u for u in range(1, uidnext) if u not in present]
        return sorted(u for u, ms in self.uids.items() if ms > modseq)


def cut_modseq(modseqs: list[int]) -> int:
    """The modseq up to which a full history is forgotten: that of its older half."""
    return modseqs[len(modseqs) // 2 - 1]
