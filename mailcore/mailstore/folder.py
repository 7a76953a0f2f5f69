"""One open folder: its messages (a packed ``table``), sync with the disk, and changes.

Every change bumps the folder's ``modseq``; changed messages carry it, and
arrivals, flag changes (``changes``) and expunges are logged with it, so each
session (IMAP, webmail) asks "what changed since N" cheaply. Listeners are
called after each change; the first one makes the folder watched (``watch``),
so files other writers put in ``new/`` are taken in at once.

``refresh()`` scans in a worker thread (``scan``) and applies on the loop what
is still true (``scan_check``), one scan at a time per folder; the blocking
``sync()`` stays for callers that are not coroutines.
"""

from __future__ import annotations

import asyncio
import bisect
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore import flag_files, scan, scan_check, watch
from mailcore.mailstore.changes import ChangeLog
from mailcore.mailstore.expunges import ExpungeHistory
from mailcore.mailstore.index import FolderRow, Index
from mailcore.mailstore.table import MessageRecord, MessageTable, RecordList, RecordsByUid
from pmemail.fsutil import fsync_dir

NewMessage = tuple[Path | bytes, Iterable[str], float | None]
"""A message to append: its spool file or bytes, its flags, its internal date."""

_BATCH = 2000  # new messages applied per event-loop turn by refresh()
Listener = Callable[[], None]


class Folder:
    """Messages of one Maildir folder, kept in uid order."""

    def __init__(
        self,
        name: str,
        path: Path,
        row: FolderRow,
        index: Index,
        messages: MessageTable | None = None,
    ) -> None:
        """Open folder ``name``; ``messages`` are its index rows (loaded here when None)."""
        self.name = name
        self.path = path
        self.row = row
        self._index = index
        self.table = index.messages(name) if messages is None else messages
        """The messages in packed form, for hot paths (read it, never change it)."""
        self.messages = RecordList(self.table)
        """The messages as records made on demand (copies: change them through methods)."""
        self.by_uid = RecordsByUid(self.table)
        # Keywords defined here (IMAP's FLAGS): grow-only while open, as Dovecot's list, so
        # sessions compare lengths. Each distinct flag set is read once.
        self.keywords = {k for fs in self.table.flag_sets() for k in maildir.keywords(fs)}
        self.expunge_log: list[tuple[int, int]] = []  # (modseq, uid)
        self.changes = ChangeLog(row.modseq)  # flag changes and arrivals, for changed_since
        self.expunges = ExpungeHistory(index.expunged(name))  # persisted, for QRESYNC
        self._listeners: set[Listener] = set()
        self._new_mtime = -1
        self._lock = asyncio.Lock()  # one refresh (scan + apply) at a time

    # -- read side -------------------------------------------------------

    @property
    def uidvalidity(self) -> int:
        """The folder's UIDVALIDITY."""
        return self.row.uidvalidity

    @property
    def uidnext(self) -> int:
        """The next uid to be assigned."""
        return self.row.uidnext

    @property
    def modseq(self) -> int:
        """The highest change number."""
        return self.row.modseq

    @property
    def uids(self) -> Sequence[int]:
        """The uids in order (read-only)."""
        return self.table.uids

    def uids_after(self, uid: int) -> list[int]:
        """The uids above ``uid``."""
        uids = self.table.uids
        return uids[bisect.bisect_right(uids, uid) :].tolist()

    def file(self, uid: int) -> Path:
        """The file of message ``uid`` (KeyError if expunged)."""
        i = self.table.position(uid)
        if i < 0:
            raise KeyError(uid)
        return self.path / self.table.path_at(i)

    def read(self, uid: int) -> bytes:
        """Message ``uid`` with CRLF line endings (KeyError if gone, OSError on I/O)."""
        return maildir.to_crlf(self.file(uid).read_bytes())

    def unseen(self) -> int:
        """How many messages lack ``\\Seen``."""
        return self.table.count_where(self.table.numbers_with("\\Seen", present=False))

    def first_unseen(self) -> int:
        """The sequence number (from 1) of the first message without ``\\Seen``; 0 if none."""
        unseen = self.table.numbers_with("\\Seen", present=False)
        if unseen:
            for i, number in enumerate(self.table.flag_ids()):
                if number in unseen:
                    return i + 1
        return 0

    def total_size(self) -> int:
        """The sum of the messages' sizes."""
        return self.table.total_size()

    def unclaimed_recent(self) -> list[int]:
        """Uids above the \\Recent boundary: no read-write session has been shown them."""
        return self.uids_after(self.row.recent_uid)

    def claim_recent(self) -> list[int]:
        """The unclaimed \\Recent uids, now \\Recent for the caller's session only.

        RFC 3501 2.3.2: a message is recent in the first session notified of it;
        the boundary is persisted so a restart does not make old mail recent again.
        """
        claimed = self.unclaimed_recent()
        if self.row.uidnext - 1 > self.row.recent_uid:
            self.row.recent_uid = self.row.uidnext - 1
            self._index.save_folder(self.row)
        return claimed

    def changed_since(self, modseq: int) -> list[MessageRecord]:
        """Messages whose flags changed (or that arrived) after ``modseq``."""
        uids = self.changes.uids_after(modseq)
        if uids is None:  # older than the log: every message is looked at
            return [self.table.record_at(i) for i in self.table.changed_after(modseq)]
        found = (self.table.get(uid) for uid in uids)
        return [m for m in found if m is not None and m.modseq > modseq]

    def expunged_since(self, modseq: int) -> list[int]:
        """Uids expunged after ``modseq`` (see ``ExpungeHistory.since``)."""
        return self.expunges.since(modseq, self.row.uidnext, self.table)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener()`` after every change; the folder is watched while it has any."""
        watch.follow(self)  # others' writes too (nothing if watched already)
        self._listeners.add(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.discard(listener)
        if not self._listeners:
            watch.unfollow(self)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- disk sync -----------------------------------------------------------

    def sync(self) -> bool:
        """Take in files added or removed on disk (blocking); True if anything changed."""
        due = scan.due(self.path, self.row.cur_mtime, self._new_mtime)
        if due is None:
            return False
        top = self.table.uids[-1] if self.table else 0
        found = scan.scan(self.path, self._known(due[0]), due[0], due[1])
        self._new_mtime = due[2]
        found.added = scan_check.unknown(self.table, found, top)
        changed = self._take(found)
        if changed:
            self._commit(changed)
        if found.listed_cur or found.added:
            self._mark_cur()
        return bool(changed)

    async def refresh(self) -> bool:
        """``sync()`` with the file work in a worker thread (other sessions keep going)."""
        async with self._lock:
            due = scan.due(self.path, self.row.cur_mtime, self._new_mtime)
            if due is None:
                return False
            top = self.table.uids[-1] if self.table else 0
            found = await asyncio.to_thread(
                scan.scan, self.path, self._known(due[0]), due[0], due[1]
            )
            self._new_mtime = due[2]
            added = scan_check.unknown(self.table, found, top)
            # Thousands of new files (a first open) are taken in batches, each a
            # consistent state, so other sessions get turns on the loop in between.
            found.added = added[:_BATCH]
            any_change = False
            for start in range(0, max(len(added), 1), _BATCH):
                if start:
                    found = scan.ScanResult(added=added[start : start + _BATCH])
                changed = self._take(found)
                if changed:
                    any_change = True
                    await asyncio.to_thread(self._commit, changed)
            if due[0] or added:
                await asyncio.to_thread(self._mark_cur)
            return any_change

    def _known(self, list_cur: bool) -> Iterable[tuple[int, str]]:
        """The (uid, path) pairs a scan compares cur/ with (none when it is not listed)."""
        return self.table.paths() if list_cur else ()

    def _take(self, found: scan.ScanResult) -> tuple[list[MessageRecord], list[int]] | None:
        """Apply what is still true of a scan result (the folder may have changed since)."""
        if not found:
            return None
        renamed, gone = scan_check.still_true(self.table, self.path, found)
        if not (found.added or renamed or gone):
            return None
        return self._apply(found.added, renamed, gone)

    def _mark_cur(self) -> None:
        """Remember cur/'s mtime (persisted: a restart skips listing an unchanged cur/)."""
        try:
            mtime = os.stat(self.path / "cur").st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self.row.cur_mtime:
            self.row.cur_mtime = mtime
            self._index.save_folder(self.row)

    # -- mutation ---------------------------------------------------------------

    def _apply(
        self, added: Iterable[MessageRecord], changed: Iterable[MessageRecord], gone: Iterable[int]
    ) -> tuple[list[MessageRecord], list[int]]:
        """Assign uids/modseq, update memory, notify listeners; what to commit."""
        self.row.modseq += 1
        ms = self.row.modseq
        upsert: list[MessageRecord] = []
        gone_list = [u for u in gone if u in self.table]
        for uid in gone_list:
            self.table.remove_at(self.table.position(uid))
            self.expunge_log.append((ms, uid))
            self.expunges.record(uid, ms)
        for m in changed:
            i = self.table.position(m.uid)
            if i < 0:
                continue  # expunged meanwhile
            m.modseq = ms
            self.table.update(i, m.path, m.flags, ms)
            upsert.append(m)
        for m in added:
            m.uid = self.row.uidnext
            self.row.uidnext += 1
            m.modseq = ms
            self.table.append(m)
            upsert.append(m)
        self.changes.record(ms, [m.uid for m in upsert])
        self.keywords.update(*map(maildir.keywords, {m.flags for m in upsert}))
        self._notify()
        return upsert, gone_list

    def _commit(self, changes: tuple[list[MessageRecord], list[int]]) -> None:
        self._index.commit(self.row, *changes)

    def _change(
        self, added: Iterable[MessageRecord], changed: Iterable[MessageRecord], gone: Iterable[int]
    ) -> None:
        """``_apply`` and commit at once (small changes made on the loop)."""
        self._commit(self._apply(added, changed, gone))

    def append(
        self, data: bytes, flags: Iterable[str] = (), internaldate: float | None = None
    ) -> int:
        """Store a new message durably; its uid (blocking: see ``append_file``)."""
        self.sync()
        pending = maildir.write_tmp_from(self.path, data, internaldate)
        uid = self._publish(pending, frozenset(flags))
        fsync_dir(self.path / "cur")
        return uid

    async def append_file(
        self, source: Path, flags: Iterable[str] = (), internaldate: float | None = None
    ) -> int:
        """Store a copy of the message file ``source`` durably; its uid (see ``append_all``)."""
        return (await self.append_all([(source, flags, internaldate)]))[0]

    async def append_bytes(
        self, data: bytes, flags: Iterable[str] = (), internaldate: float | None = None
    ) -> int:
        """``append`` without blocking the loop (see ``append_all``); its uid."""
        return (await self.append_all([(data, flags, internaldate)]))[0]

    async def append_all(self, messages: Sequence[NewMessage]) -> list[int]:
        """Store messages durably, all or none (IMAP MULTIAPPEND); their uids in order.

        Each is streamed into ``tmp/`` and fsynced in a worker thread (a file is
        never held in memory, other sessions keep going); all are published in
        one loop step, so no session sees a part of them.

        Raises:
            OSError: a message could not be read or written (none is stored).
        """
        pending: list[maildir.Pending] = []
        uids: list[int] = []
        try:
            for source, _, date in messages:
                write = maildir.write_tmp_from
                pending.append(await asyncio.to_thread(write, self.path, source, date))
            # Take in others' changes first: publishing marks cur/ as seen by us.
            await self.refresh()
            for p, (_, flags, _) in zip(pending, messages, strict=True):
                uids.append(self._publish(p, frozenset(flags)))
        except BaseException:
            for p in pending:
                p.tmp.unlink(missing_ok=True)  # those not published yet
            self.remove(uids)
            raise
        await asyncio.to_thread(fsync_dir, self.path / "cur")
        return uids

    def _publish(self, pending: maildir.Pending, flags: frozenset[str]) -> int:
        """Move a written message into cur/ and number it, in one loop step."""
        path = maildir.publish(self.path, pending, flags)
        st = os.stat(self.path / path)
        rec = MessageRecord(0, path, flags, pending.vsize, st.st_mtime)
        self._change([rec], [], [])
        self._mark_cur()
        return rec.uid

    def store_flags(
        self, uids: Iterable[int], flags: Iterable[str], mode: str
    ) -> list[MessageRecord]:
        """Set (``mode`` "set"), add ("add") or remove ("remove") flags; the changed records."""
        # once each: the table changes only at the end
        found = (self.table.get(uid) for uid in dict.fromkeys(uids))
        records = [m for m in found if m is not None]
        changed = flag_files.rename_for_flags(self.path, records, frozenset(flags), mode)
        if changed:
            self._change([], changed, [])
            self._mark_cur()
        return changed

    def copy_to(self, uids: Iterable[int], dest: Folder) -> list[tuple[int, int]]:
        """Copy messages (flags and internal date kept); (source uid, new uid) pairs."""
        pairs: list[tuple[int, int]] = []
        added: list[MessageRecord] = []
        dest.sync()  # before linking, so the sync cannot take our own new files in
        for uid in uids:
            m = self.table.get(uid)
            if m is None:
                continue
            path = maildir.link_or_copy(self.path / m.path, dest.path, m.flags)
            added.append(MessageRecord(0, path, m.flags, m.size, m.internaldate))
            pairs.append((uid, 0))
        dest._change(added, [], [])
        dest._mark_cur()
        return [(src, rec.uid) for (src, _), rec in zip(pairs, added, strict=True)]

    def move_to(self, uids: Iterable[int], dest: Folder) -> list[tuple[int, int]]:
        """Copy then expunge from here; (source uid, new uid) pairs."""
        pairs = self.copy_to(uids, dest)
        self.remove([src for src, _ in pairs])
        return pairs

    def expunge(self, only: Iterable[int] | None = None) -> list[int]:
        """Remove messages flagged ``\\Deleted`` (within ``only`` if given); their uids."""
        allowed = None if only is None else set(only)
        deleted = self.table.positions_where(self.table.numbers_with("\\Deleted"))
        uids = [
            uid
            for uid in (self.table.uids[i] for i in deleted)
            if allowed is None or uid in allowed
        ]
        self.remove(uids)
        return uids

    def remove(self, uids: Iterable[int]) -> None:
        """Delete message files durably and drop them from the index."""
        gone: list[int] = []
        for uid in uids:
            i = self.table.position(uid)
            if i < 0:
                continue
            try:
                os.unlink(self.path / self.table.path_at(i))
            except FileNotFoundError:
                pass
            gone.append(uid)
        if gone:
            fsync_dir(self.path / "cur")
            self._change([], [], gone)
            self._mark_cur()
