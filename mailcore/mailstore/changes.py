"""Which messages changed after a given modseq, without reading every message.

Each IMAP session asks "what changed since N" after every change of its
folder; with 500 sessions in IDLE on a 50,000-message INBOX a scan of the
whole table per session would cost 25 million steps per new message. The log
keeps (modseq, uid) of recent changes in modseq order, so the answer is a
binary search and a short slice. Bounded: past ``LIMIT`` entries the older
half is forgotten and the log's start moves; an older modseq is answered by
the caller's full scan.
"""

from __future__ import annotations

import bisect
from array import array

LIMIT = 50_000
"""Changes remembered per open folder."""


class ChangeLog:
    """(modseq, uid) of changes after modseq ``start``, in modseq order."""

    def __init__(self, start: int) -> None:
        """An empty log: every change after ``start`` will be in it."""
        self.start = start
        self._modseqs = array("Q")
        self._uids = array("I")

    def record(self, modseq: int, uids: list[int]) -> None:
        """Remember that ``uids`` changed (or arrived) at ``modseq`` (never below the last)."""
        self._modseqs.extend([modseq] * len(uids))
        self._uids.extend(uids)
        if len(self._modseqs) > LIMIT:
            cut = len(self._modseqs) // 2
            self.start = self._modseqs[cut - 1]
            cut = bisect.bisect_right(self._modseqs, self.start)
            del self._modseqs[:cut]
            del self._uids[:cut]

    def uids_after(self, modseq: int) -> list[int] | None:
        """The uids changed after ``modseq``, sorted, once each; None when the log
        does not reach back that far (the caller then scans)."""
        if modseq < self.start:
            return None
        i = bisect.bisect_right(self._modseqs, modseq)
        return sorted(set(self._uids[i:]))
