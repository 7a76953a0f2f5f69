"""The persistent per-user index: one SQLite file beside the Maildir folders.

It keeps what must survive restarts and must not be recomputed by reading
message files: UIDVALIDITY/UIDNEXT per folder, uid <-> file, flags and
keywords, the CRLF size and the internal date, the \\Recent boundary, and
the last UIDVALIDITY handed out (so a deleted folder's value is never reused).
Loading 50,000 rows is a single query (~0.1 s), so SELECT never touches the
message files.

The connection is shared by the event loop thread and the worker threads
that build or load big folders off the loop, so every use holds one lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mailcore.mailstore.expunges import LIMIT, cut_modseq
from mailcore.mailstore.table import MessageRecord, MessageTable
from pmemail.fsutil import make_private_dir

INDEX_NAME = "pmemail-index.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS folders (
    name TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, uidnext INTEGER NOT NULL,
    modseq INTEGER NOT NULL DEFAULT 1, subscribed INTEGER NOT NULL DEFAULT 1,
    cur_mtime INTEGER NOT NULL DEFAULT -1, recent_uid INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS subscriptions (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    folder TEXT NOT NULL, uid INTEGER NOT NULL, path TEXT NOT NULL, flags TEXT NOT NULL,
    size INTEGER NOT NULL, internaldate REAL NOT NULL, modseq INTEGER NOT NULL,
    PRIMARY KEY (folder, uid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# QRESYNC (RFC 7162) asks which uids vanished after a modseq: one row per expunged uid.
# The row of uid 0 holds the modseq the history starts at (earlier expunges unknown).
_EXPUNGED = """
CREATE TABLE expunged (folder TEXT NOT NULL, uid INTEGER NOT NULL, modseq INTEGER NOT NULL,
    PRIMARY KEY (folder, uid)) WITHOUT ROWID;
INSERT INTO expunged SELECT name, 0, modseq FROM folders;
"""


_LOAD_CHUNK = 4096  # rows read at a time: the table fills column by column

_UPSERT = """
INSERT INTO messages SELECT ?, ?, ?, ?, ?, ?, ?
    WHERE NOT EXISTS (SELECT 1 FROM expunged WHERE folder = ? AND uid = ?)
ON CONFLICT (folder, uid) DO UPDATE SET
    path = excluded.path, flags = excluded.flags, size = excluded.size,
    internaldate = excluded.internaldate, modseq = excluded.modseq
    WHERE excluded.modseq >= messages.modseq
"""


@dataclass(slots=True)
class FolderRow:
    """A folder's persistent counters."""

    name: str
    uidvalidity: int
    uidnext: int
    modseq: int
    cur_mtime: int = -1  # cur/ mtime when last fully in sync: skip the listing if unchanged
    # \Recent boundary: the highest uid a read-write session has already been shown
    recent_uid: int = 0


class Index:
    """SQLite persistence for one user's folders (thread-safe: one lock)."""

    def __init__(self, root: Path) -> None:
        make_private_dir(root)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(root / INDEX_NAME), isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode is durable against crashes of the process; the message
        # files themselves are fsynced, and the index can be rebuilt from them.
        self._db.execute("PRAGMA synchronous=NORMAL")
        had_subscriptions = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'subscriptions'"
        ).fetchone()
        had_expunged = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'expunged'"
        ).fetchone()
        self._db.executescript(_SCHEMA)
        if not had_expunged:
            self._db.executescript(_EXPUNGED)
        if not had_subscriptions:
            # An index from before the subscription list kept a flag per folder
            # (the folders.subscribed column, unused since): carry it over once.
            self._db.execute(
                "INSERT OR IGNORE INTO subscriptions SELECT name FROM folders WHERE subscribed"
            )
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(folders)")}
        if "recent_uid" not in columns:
            # An index from before \Recent: what is there now was seen by earlier sessions.
            self._db.execute("ALTER TABLE folders ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 0")
            self._db.execute("UPDATE folders SET recent_uid = uidnext - 1")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def folders(self) -> dict[str, FolderRow]:
        """Every folder row by name."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name, uidvalidity, uidnext, modseq, cur_mtime, recent_uid FROM folders"
            ).fetchall()
        return {r[0]: FolderRow(*r) for r in rows}

    def save_folder(self, row: FolderRow) -> None:
        """Insert or update a folder row."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO folders "
                "(name, uidvalidity, uidnext, modseq, cur_mtime, recent_uid) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.name,
                    row.uidvalidity,
                    row.uidnext,
                    row.modseq,
                    row.cur_mtime,
                    row.recent_uid,
                ),
            )

    def next_uidvalidity(self, now: int) -> int:
        """A UIDVALIDITY this user never had: ``max(last + 1, now)``, persisted at once.

        RFC 3501 2.3.1.1 forbids giving a re-created name the value of the deleted
        mailbox: cached UIDs would then name other messages. The clock alone repeats
        within a second, and the live folder rows forget deleted folders, so the last
        value lives in its own row, taken and bumped in one transaction (another
        process on the same index cannot draw the same value).
        """
        with self._lock, self._tx():
            row = self._db.execute(
                "SELECT value FROM counters WHERE name = 'uidvalidity'"
            ).fetchone()
            if row is None:  # an index from before the counter: its folders are the floor
                row = self._db.execute(
                    "SELECT COALESCE(MAX(uidvalidity), 0) FROM folders"
                ).fetchone()
            value = max(int(row[0]) + 1, now)
            self._db.execute("INSERT OR REPLACE INTO counters VALUES ('uidvalidity', ?)", (value,))
        return value

    def delete_folder(self, name: str) -> None:
        """Forget a folder and its messages."""
        with self._lock, self._tx():
            self._db.execute("DELETE FROM folders WHERE name = ?", (name,))
            self._db.execute("DELETE FROM messages WHERE folder = ?", (name,))
            self._db.execute("DELETE FROM expunged WHERE folder = ?", (name,))

    def rename_folder(self, old: str, new: str) -> None:
        """Rename a folder's rows (subfolders are renamed by the caller one by one)."""
        with self._lock, self._tx():
            self._db.execute("UPDATE folders SET name = ? WHERE name = ?", (new, old))
            self._db.execute("UPDATE messages SET folder = ? WHERE folder = ?", (new, old))
            self._db.execute("UPDATE expunged SET folder = ? WHERE folder = ?", (new, old))

    def subscriptions(self) -> set[str]:
        """The subscribed names (RFC 3501 6.3.6: existing mailboxes or not)."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT name FROM subscriptions")}

    def set_subscribed(self, name: str, subscribed: bool) -> None:
        """Add ``name`` to the subscription list or remove it."""
        sql = "INSERT OR IGNORE INTO subscriptions VALUES (?)"
        if not subscribed:
            sql = "DELETE FROM subscriptions WHERE name = ?"
        with self._lock:
            self._db.execute(sql, (name,))

    def messages(self, folder: str) -> MessageTable:
        """A folder's messages in uid order (slow for big folders: call it off the loop).

        Rows are read one at a time into the packed table: no list of 50,000
        row tuples is ever held at once.
        """
        table = MessageTable()
        with self._lock:
            rows = self._db.execute(
                "SELECT uid, path, flags, size, internaldate, modseq FROM messages "
                "WHERE folder = ? ORDER BY uid",
                (folder,),
            )
            # Few distinct flag combinations exist: one frozenset per combination.
            flag_sets: dict[str, frozenset[str]] = {}

            def flag_set(flags: str) -> frozenset[str]:
                found = flag_sets.get(flags)
                if found is None:
                    found = flag_sets[flags] = frozenset(flags.split())
                return found

            while chunk := rows.fetchmany(_LOAD_CHUNK):
                table.extend_rows([(u, p, flag_set(f), s, d, m) for u, p, f, s, d, m in chunk])
        return table

    def expunged(self, folder: str) -> dict[int, int]:
        """A folder's expunge history: uid -> modseq of its expunge (uid 0: the start)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT uid, modseq FROM expunged WHERE folder = ?", (folder,)
            ).fetchall()
        return dict(rows)

    def commit(
        self, row: FolderRow, upsert: Iterable[MessageRecord], delete: Iterable[int] = ()
    ) -> None:
        """Write changed messages, removed uids and the folder counters in one transaction.

        Records are copies taken when the change was made, and a commit run in a
        worker thread can land after a newer inline one: a row is therefore only
        replaced by one of the same or a higher modseq, and an expunged uid is
        never written back.
        """
        with self._lock, self._tx():
            self._db.executemany(
                _UPSERT,
                [
                    (
                        row.name,
                        m.uid,
                        m.path,
                        " ".join(sorted(m.flags)),
                        m.size,
                        m.internaldate,
                        m.modseq,
                        row.name,
                        m.uid,
                    )
                    for m in upsert
                ],
            )
            self._db.executemany(
                "DELETE FROM messages WHERE folder = ? AND uid = ?",
                [(row.name, uid) for uid in delete],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO expunged VALUES (?, ?, ?)",
                [(row.name, uid, row.modseq) for uid in delete],
            )
            if delete:
                self._trim_expunged(row.name)
            self.save_folder(row)

    def _trim_expunged(self, folder: str) -> None:
        """Past ``LIMIT`` uids, forget the older half and start the history later."""
        sql = "SELECT {} FROM expunged WHERE folder = ? AND uid > 0"
        if self._db.execute(sql.format("COUNT(*)"), (folder,)).fetchone()[0] <= LIMIT:
            return
        modseqs = [r[0] for r in self._db.execute(sql.format("modseq") + " ORDER BY 1", (folder,))]
        cut = cut_modseq(modseqs)
        self._db.execute("DELETE FROM expunged WHERE folder = ? AND modseq <= ?", (folder, cut))
        start = self._db.execute(
            "SELECT modseq FROM expunged WHERE folder = ? AND uid = 0", (folder,)
        ).fetchone()
        self._db.execute(
            "INSERT OR REPLACE INTO expunged VALUES (?, 0, ?)",
            (folder, max(cut, start[0] if start else 0)),
        )

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN/COMMIT (ROLLBACK on error) for an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
