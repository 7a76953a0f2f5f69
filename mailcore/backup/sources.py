"""What a backup saves, and how each file is read while the server writes.

Everything under ``data_dir`` that a new machine needs, in an order that
keeps the snapshot consistent: first the SQLite files (users, aliases, the
per-user index with UIDVALIDITY, UIDs and flags) through SQLite's online
backup API, then the files. A message file delivered after its folder's
index was copied is simply new to that index (restored, it gets the next
UID); one expunged meanwhile is gone from both. Maildir publishes by
rename, so a message file is whole or absent; one renamed while it is read
(a flag change, ``new/`` to ``cur/``) is looked up again by its unique name.
The queue is read without its lock (it would stall deliveries): its
metadata (``meta/``) before its messages, and ``QueueStore.recover`` at the
restored server's start drops a half (an entry sent or queued meanwhile),
which the next backup has whole.
Left out: logs, the socket and pid file, Maildir ``tmp/`` (not yet
delivered), SQLite's journal files and our own temporary files.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from mailcore import maildir

SourceKind = Literal["sqlite", "message", "file"]
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_SIDE = ("-wal", "-shm", "-journal")
_SKIP_DIRS = {"logs"}
_MESSAGE_DIRS = {"cur", "new"}


@dataclass(frozen=True)
class Source:
    """One file to save: its name in the backup and where it is now."""

    path: str
    file: Path
    kind: SourceKind


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def _skipped(name: str) -> bool:
    # our atomic writers' temporaries (.NAME.PID.tmp) and the queue's lock file
    return name.endswith(_SQLITE_SIDE) or (name.startswith(".") and name.endswith((".tmp", "lock")))


def data_sources(root: Path, exclude: tuple[Path, ...] = ()) -> tuple[list[Source], list[str]]:
    """Every file of ``root`` to save, SQLite files first (see the module docstring), and
    every directory (a Maildir's empty ``tmp/`` and empty folders are restored too)."""
    databases: list[Source] = []
    files: list[Source] = []
    directories: list[str] = []
    skip = {p.resolve() for p in exclude}
    for top, dirs, names in os.walk(root):
        here = Path(top)
        rel_top = here.relative_to(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if (here / d).resolve() not in skip and not (rel_top == Path(".") and d in _SKIP_DIRS)
        )
        directories += [
            f"data/{rel_top / d}" if rel_top != Path(".") else f"data/{d}" for d in dirs
        ]
        if "cur" in dirs and "tmp" in dirs:
            dirs.remove("tmp")  # not yet delivered: kept as an empty directory
        for name in sorted(names):
            file = here / name
            if _skipped(name) or not file.is_file() or file.is_symlink():
                continue
            rel = "data/" + str(rel_top / name) if rel_top != Path(".") else "data/" + name
            if here.name in _MESSAGE_DIRS:
                files.append(Source(rel, file, "message"))
            elif _is_sqlite(file):
                databases.append(Source(rel, file, "sqlite"))
            else:
                files.append(Source(rel, file, "file"))
    return databases + files, directories


def snapshot_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of the live database ``source`` at ``target`` (online backup API:
    pages copied while writers continue; a writer's commit makes it start again)."""
    with (
        closing(sqlite3.connect(source, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive


def open_message(file: Path) -> tuple[BinaryIO, Path] | None:
    """Open a message file, following a rename by its unique name; None once it is gone."""
    for _ in range(3):
        try:
            return open(file, "rb"), file
        except FileNotFoundError:
            base = maildir.base_of(file.name)
            folder = file.parent.parent
            found = None
            for sub in ("cur", "new"):
                try:
                    names = os.listdir(folder / sub)
                except FileNotFoundError:
                    continue
                found = next((folder / sub / n for n in names if maildir.base_of(n) == base), None)
                if found is not None:
                    break
            if found is None:
                return None  # expunged meanwhile: not in this snapshot
            file = found
    return None


def iter_chunks(f: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    """The file's content in chunks."""
    while chunk := f.read(size):
        yield chunk
