"""A session's view of its selected folder: sequence numbers and pending updates.

Sequence numbers belong to the session: another session's expunge only
renumbers this one when it is told (EXPUNGE responses), which RFC 3501 forbids
during FETCH, STORE and SEARCH. So the view keeps its own uid list and turns
the folder's change log into untagged EXISTS / EXPUNGE / FETCH FLAGS lines.

It also holds the session's \\Recent messages: a read-write SELECT claims
the folder's unclaimed ones (and later arrivals as it learns of them); a
read-only EXAMINE shows them as recent without claiming them, as Dovecot does.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
from array import array
from collections.abc import Iterable

from mailcore.imap.response import Atom, render, vanished_line
from mailcore.maildir import SYSTEM_FLAGS
from mailcore.mailstore import Folder, MessageRecord

RECENT = "\\Recent"


def flags_value(flags: Iterable[str]) -> list[Atom]:
    """Flags as a list of atoms, system flags first."""
    return [Atom(f) for f in sorted(flags, key=lambda f: (not f.startswith("\\"), f))]


@functools.lru_cache(maxsize=1024)
def flags_bytes(flags: frozenset[str]) -> bytes:
    """``(\\Seen $Work)`` for a flag set (few distinct sets exist: cached)."""
    return render(flags_value(flags))


class SelectedView:
    """The selected folder as one session sees it."""

    def __init__(self, folder: Folder, readonly: bool) -> None:
        self.folder = folder
        self.readonly = readonly
        # A copy (4 bytes a message): the view renumbers only when it tells the client.
        self.uids = array("I", folder.uids)
        self.recent: set[int] = set(
            folder.unclaimed_recent() if readonly else folder.claim_recent()
        )
        self.modseq = folder.modseq
        self._keywords_told = -1  # how many of folder.keywords FLAGS has listed (none yet)
        self._expunge_mark = len(folder.expunge_log)
        self.changed = asyncio.Event()
        self.condstore = False  # add MODSEQ to untagged FETCH (CONDSTORE enabled)
        self.qresync = False  # VANISHED instead of EXPUNGE (QRESYNC enabled, RFC 7162 3.2.10)
        folder.subscribe(self.changed.set)

    def flags(self, rec: MessageRecord) -> bytes:
        """The FLAGS value of ``rec`` as this session shows it (with ``\\Recent``)."""
        if self.recent and rec.uid in self.recent:
            return flags_bytes(rec.flags | {RECENT})
        return flags_bytes(rec.flags)

    def flags_lines(self) -> list[bytes]:
        """``* FLAGS`` and ``* OK [PERMANENTFLAGS]`` for the folder's flags now.

        Sent by SELECT, and again by :meth:`updates` when a keyword appeared: RFC 3501
        7.2.6 has clients record each FLAGS update, so a keyword STORE or APPEND
        defined becomes known (and permanent) to every session, as Dovecot does.
        """
        self._keywords_told = len(self.folder.keywords)
        flags = render(flags_value([*SYSTEM_FLAGS, *self.folder.keywords]))
        # \* : clients may define more keywords; a read-only session may change none.
        perm = b"()" if self.readonly else flags[:-1] + b" \\*)"
        return [
            b"* FLAGS " + flags + b"\r\n",
            b"* OK [PERMANENTFLAGS " + perm + b"] flags permitted\r\n",
        ]

    def close(self) -> None:
        """Stop listening to the folder."""
        self.folder.unsubscribe(self.changed.set)

    def seq_of(self, uid: int) -> int:
        """The sequence number of ``uid`` (0 if not in the view)."""
        i = bisect.bisect_left(self.uids, uid)
        return i + 1 if i < len(self.uids) and self.uids[i] == uid else 0

    def updates(self, allow_expunge: bool, exclude: Iterable[int] = ()) -> list[bytes]:
        """Untagged lines for what changed since the last call (the caller syncs first).

        Args:
            allow_expunge: False during FETCH/STORE/SEARCH (expunges then wait).
            exclude: uids whose flag change this command reports itself.
        """
        self.changed.clear()
        out: list[bytes] = []
        log = self.folder.expunge_log
        if allow_expunge and len(log) > self._expunge_mark:
            gone = {uid for _, uid in log[self._expunge_mark :]}
            self._expunge_mark = len(log)
            told = []
            for i in range(len(self.uids) - 1, -1, -1):
                if self.uids[i] in gone:
                    if not self.qresync:
                        out.append(b"* %d EXPUNGE\r\n" % (i + 1))
                    told.append(self.uids[i])
                    self.recent.discard(self.uids[i])
                    del self.uids[i]
            if self.qresync and told:
                out.append(vanished_line(told[::-1], earlier=False))
        if self.folder.modseq == self.modseq:
            return out
        # A new keyword comes with a change (modseq moved); FLAGS goes before the FETCH
        # lines that carry it. Keywords never leave the list, so a count tells.
        if len(self.folder.keywords) != self._keywords_told:
            out.extend(self.flags_lines())
        last = self.uids[-1] if self.uids else 0
        fresh = self.folder.uids_after(last) if self.folder.uidnext - 1 > last else []
        skip = set(exclude) | set(fresh)
        for m in self.folder.changed_since(self.modseq):
            if m.uid in skip:
                continue
            seq = self.seq_of(m.uid)
            if seq:
                modseq = b" MODSEQ (%d)" % m.modseq if self.condstore else b""
                out.append(
                    b"* %d FETCH (UID %d FLAGS %s%s)\r\n" % (seq, m.uid, self.flags(m), modseq)
                )
        if fresh:
            self.uids.extend(fresh)
            claimed = (
                self.folder.unclaimed_recent() if self.readonly else self.folder.claim_recent()
            )
            self.recent.update(u for u in claimed if u >= fresh[0])
            out.append(b"* %d EXISTS\r\n* %d RECENT\r\n" % (len(self.uids), len(self.recent)))
            # New mail moves HIGHESTMODSEQ: told to a QRESYNC client (as Dovecot), but
            # never past an expunge held back (RFC 7162 errata 1810)
            if self.qresync and len(log) == self._expunge_mark:
                out.append(b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % self.folder.modseq)
        self.modseq = self.folder.modseq
        return out
