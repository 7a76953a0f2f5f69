"""One open folder: the in-memory message list, sync with the disk, and changes.

Every change bumps the folder's ``modseq``; changed messages carry it and
expunges are logged with it, so each session (IMAP, webmail) can ask "what
changed since N" without diffing whole lists. Listeners are called after each
change so idling sessions wake up at once inside this process; changes made by
other processes (SMTP delivery into ``new/``) are found by ``sync()``, which
costs two ``stat`` calls unless a directory changed.
"""

from __future__ import annotations

import bisect
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from mailcore.mailstore import maildir
from mailcore.mailstore.index import FolderRow, Index, MessageRecord, base_name

# A directory whose mtime is this recent is listed again: mtimes have coarse
# granularity, so a file added in the same tick as our last look must not be missed.
_RECENT_NS = 2_000_000_000
Listener = Callable[[], None]


class Folder:
    """Messages of one Maildir folder, kept in uid order."""

    def __init__(self, name: str, path: Path, row: FolderRow, index: Index) -> None:
        self.name = name
        self.path = path
        self.row = row
        self._index = index
        self.messages: list[MessageRecord] = index.messages(name)
        self._uids: list[int] = [m.uid for m in self.messages]
        self.by_uid: dict[int, MessageRecord] = {m.uid: m for m in self.messages}
        self.expunge_log: list[tuple[int, int]] = []  # (modseq, uid)
        self._listeners: set[Listener] = set()
        self._new_mtime = -1

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

    def file(self, uid: int) -> Path:
        """The file of message ``uid`` (KeyError if expunged)."""
        return self.path / self.by_uid[uid].path

    def read(self, uid: int) -> bytes:
        """Message ``uid`` with CRLF line endings (KeyError if gone, OSError on I/O)."""
        return maildir.to_crlf(self.file(uid).read_bytes())

    def unseen(self) -> int:
        """How many messages lack ``\\Seen``."""
        return sum(1 for m in self.messages if "\\Seen" not in m.flags)

    def changed_since(self, modseq: int) -> list[MessageRecord]:
        """Messages whose flags changed (or that arrived) after ``modseq``."""
        return [m for m in self.messages if m.modseq > modseq]

    def expunged_since(self, modseq: int) -> list[int]:
        """Uids expunged after ``modseq`` (in this process's lifetime)."""
        return [uid for ms, uid in self.expunge_log if ms > modseq]

    # -- listeners ---------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener()`` after every change."""
        self._listeners.add(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.discard(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- disk sync -----------------------------------------------------------

    def sync(self) -> bool:
        """Take in files that appeared or vanished on disk; True if anything changed."""
        try:
            new_st = os.stat(self.path / "new").st_mtime_ns
            cur_st = os.stat(self.path / "cur").st_mtime_ns
        except FileNotFoundError:
            return False  # deleted or renamed by another session
        now = time.time_ns()
        added: list[MessageRecord] = []
        changed: list[MessageRecord] = []
        gone: list[int] = []
        # cur/ is written by us (and rarely by other programs): list it only when its
        # mtime moved since our own last write. new/ is where other writers deliver,
        # so it is also listed while its mtime is too recent to be trusted.
        rescan = cur_st != self.row.cur_mtime
        if rescan:
            self._rescan_cur(added, changed, gone)
        if new_st != self._new_mtime or now - new_st < _RECENT_NS:
            self._take_new(added)
        self._new_mtime = new_st
        if added or changed or gone:
            self._apply(added, changed, gone)
        if rescan or added:
            self._mark_cur()
        return bool(added or changed or gone)

    def _mark_cur(self) -> None:
        """Remember cur/'s mtime (persisted: a restart skips listing an unchanged cur/)."""
        mtime = os.stat(self.path / "cur").st_mtime_ns
        if mtime != self.row.cur_mtime:
            self.row.cur_mtime = mtime
            self._index.save_folder(self.row)

    def _take_new(self, added: list[MessageRecord]) -> None:
        """Move files from new/ to cur/ (as Dovecot does) and index them."""
        new_dir = self.path / "new"
        names = sorted(n for n in os.listdir(new_dir) if not n.startswith("."))
        for name in names:
            src = new_dir / name
            dest = maildir.with_flags(name, maildir.info_flags(name))
            try:
                st = src.stat()
                os.rename(src, self.path / "cur" / dest)
            except FileNotFoundError:
                continue  # taken by another reader meanwhile
            added.append(self._record("cur/" + dest, st))

    def _rescan_cur(self, added: list[MessageRecord], changed: list[MessageRecord],
                    gone: list[int]) -> None:
        """Full listing of cur/: files renamed, removed or added behind our back."""
        on_disk = {base_name(n): n for n in os.listdir(self.path / "cur")
                   if not n.startswith(".")}
        known: set[str] = set()
        for m in self.messages:
            base = m.base
            known.add(base)
            name = on_disk.get(base)
            if name is None:
                gone.append(m.uid)
            elif "cur/" + name != m.path:
                keywords = {f for f in m.flags if f not in maildir.SYSTEM_FLAGS}
                m.path = "cur/" + name
                m.flags = frozenset(keywords | maildir.info_flags(name))
                changed.append(m)
        fresh: list[tuple[float, str, os.stat_result]] = []
        for base, name in on_disk.items():
            if base not in known:
                try:
                    st = os.stat(self.path / "cur" / name)
                except FileNotFoundError:
                    continue
                fresh.append((st.st_mtime, name, st))
        for _, name, st in sorted(fresh, key=lambda t: (t[0], t[1])):
            added.append(self._record("cur/" + name, st))

    def _record(self, path: str, st: os.stat_result) -> MessageRecord:
        filename = path.rsplit("/", 1)[-1]
        vsize = maildir.size_hint(filename)
        if vsize is None:
            vsize = maildir.vsize_of((self.path / path).read_bytes())
        return MessageRecord(0, path, maildir.info_flags(filename), vsize, st.st_mtime)

    # -- mutation ---------------------------------------------------------------

    def _apply(self, added: Iterable[MessageRecord], changed: Iterable[MessageRecord],
               gone: Iterable[int]) -> None:
        """Assign uids/modseq, update memory and the index, notify listeners."""
        self.row.modseq += 1
        ms = self.row.modseq
        upsert: list[MessageRecord] = []
        gone_list = [u for u in gone if u in self.by_uid]
        for uid in gone_list:
            self.by_uid.pop(uid)
            pos = bisect.bisect_left(self._uids, uid)
            del self._uids[pos]
            del self.messages[pos]
            self.expunge_log.append((ms, uid))
        for m in changed:
            m.modseq = ms
            upsert.append(m)
        for m in added:
            m.uid = self.row.uidnext
            self.row.uidnext += 1
            m.modseq = ms
            self.messages.append(m)
            self._uids.append(m.uid)
            self.by_uid[m.uid] = m
            upsert.append(m)
        self._index.commit(self.row, upsert, gone_list)
        self._notify()

    def append(self, data: bytes, flags: Iterable[str] = (),
               internaldate: float | None = None) -> int:
        """Store a new message durably; its uid."""
        self.sync()
        flagset = frozenset(flags)
        path = maildir.write_file(self.path, data, flagset, internaldate)
        st = os.stat(self.path / path)
        rec = MessageRecord(0, path, flagset, maildir.vsize_of(data), st.st_mtime)
        self._apply([rec], [], [])
        self._mark_cur()
        return rec.uid

    def store_flags(self, uids: Iterable[int], flags: Iterable[str],
                    mode: str) -> list[MessageRecord]:
        """Set (``mode`` "set"), add ("add") or remove ("remove") flags; the changed records."""
        wanted = frozenset(flags)
        changed: list[MessageRecord] = []
        for uid in uids:
            m = self.by_uid.get(uid)
            if m is None:
                continue
            if mode == "add":
                new = m.flags | wanted
            elif mode == "remove":
                new = m.flags - wanted
            else:
                new = wanted
            if new == m.flags:
                continue
            filename = m.path.rsplit("/", 1)[-1]
            target = "cur/" + maildir.with_flags(filename, new)
            if target != m.path:
                try:
                    os.rename(self.path / m.path, self.path / target)
                except FileNotFoundError:
                    continue  # vanished; the next sync expunges it
                m.path = target
            m.flags = new
            changed.append(m)
        if changed:
            self._apply([], changed, [])
            self._mark_cur()
        return changed

    def copy_to(self, uids: Iterable[int], dest: Folder) -> list[tuple[int, int]]:
        """Copy messages (flags and internal date kept); (source uid, new uid) pairs."""
        pairs: list[tuple[int, int]] = []
        added: list[MessageRecord] = []
        dest.sync()  # before linking, so the sync cannot take our own new files in
        for uid in uids:
            m = self.by_uid.get(uid)
            if m is None:
                continue
            path = maildir.link_or_copy(self.path / m.path, dest.path, m.flags)
            added.append(MessageRecord(0, path, m.flags, m.size, m.internaldate))
            pairs.append((uid, 0))
        dest._apply(added, [], [])
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
        uids = [m.uid for m in self.messages if "\\Deleted" in m.flags
                and (allowed is None or m.uid in allowed)]
        self.remove(uids)
        return uids

    def remove(self, uids: Iterable[int]) -> None:
        """Delete message files durably and drop them from the index."""
        gone: list[int] = []
        for uid in uids:
            m = self.by_uid.get(uid)
            if m is None:
                continue
            try:
                os.unlink(self.path / m.path)
            except FileNotFoundError:
                pass
            gone.append(uid)
        if gone:
            maildir.fsync_dir(self.path / "cur")
            self._apply([], [], gone)
            self._mark_cur()
