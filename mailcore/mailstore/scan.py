"""Compare a folder's directories with the index, without changing the index.

This is the part of a folder sync that touches many files (listing ``cur/``,
``stat`` of unknown files, reading those whose name carries no ``,W=`` size,
moving ``new/`` into ``cur/``), so it can run in a worker thread while the
event loop keeps serving other sessions. It only reads the records it is
given; the folder checks the result against its current state and applies
it on the loop (see ``Folder.refresh``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore.table import MessageRecord


@dataclass
class ScanResult:
    """What differs between the directories and the records scanned against."""

    added: list[MessageRecord] = field(default_factory=list)  # uid 0: not yet numbered
    # (uid, path it had when compared, path on disk now)
    renamed: list[tuple[int, str, str]] = field(default_factory=list)
    # (uid, path it had when compared): its file is not in cur/ any more
    gone: list[tuple[int, str]] = field(default_factory=list)
    listed_cur: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.renamed or self.gone)


def record(folder: Path, path: str, st: os.stat_result) -> MessageRecord:
    """A new (unnumbered) record for ``folder/path``; reads the file only without ``,W=``.

    Raises:
        OSError: the file could not be read.
    """
    filename = path.rsplit("/", 1)[-1]
    vsize = maildir.sizes(filename).vsize
    if vsize is None:
        vsize = maildir.vsize_of_file(folder / path)
    return MessageRecord(0, path, maildir.info_flags(filename), vsize, st.st_mtime)


def scan(
    folder: Path, known: Iterable[tuple[int, str]], list_cur: bool, take_new: bool
) -> ScanResult:
    """Differences between ``folder``'s ``cur/`` (if ``list_cur``) and ``known``
    ((uid, path) pairs), and
    the files of ``new/`` (if ``take_new``), moved to ``cur/`` as Dovecot does."""
    result = ScanResult(listed_cur=list_cur)
    if list_cur:
        _scan_cur(folder, known, result)
    if take_new:
        _take_new(folder, result)
    return result


def _take_new(folder: Path, result: ScanResult) -> None:
    new_dir = folder / "new"
    try:
        names = sorted(n for n in os.listdir(new_dir) if not n.startswith("."))
    except FileNotFoundError:
        return  # folder deleted meanwhile
    for name in names:
        src = new_dir / name
        dest = maildir.cur_name(name)
        try:
            st = src.stat()
            os.rename(src, folder / "cur" / dest)
            result.added.append(record(folder, "cur/" + dest, st))
        except FileNotFoundError:
            continue  # taken by another reader meanwhile


def _scan_cur(folder: Path, known: Iterable[tuple[int, str]], result: ScanResult) -> None:
    """Full listing of cur/: files renamed, removed or added behind our back."""
    try:
        names = os.listdir(folder / "cur")
    except FileNotFoundError:
        return
    on_disk = {maildir.base_of(n): n for n in names if not n.startswith(".")}
    seen: set[str] = set()
    for uid, path in known:
        base = maildir.base_of(path.rsplit("/", 1)[-1])
        seen.add(base)
        name = on_disk.get(base)
        if name is None:
            result.gone.append((uid, path))
        elif "cur/" + name != path:
            result.renamed.append((uid, path, "cur/" + name))
    fresh: list[tuple[float, str, os.stat_result]] = []
    for base, name in on_disk.items():
        if base not in seen:
            try:
                st = os.stat(folder / "cur" / name)
            except FileNotFoundError:
                continue
            fresh.append((st.st_mtime, name, st))
    for _, name, st in sorted(fresh, key=lambda t: (t[0], t[1])):
        try:
            result.added.append(record(folder, "cur/" + name, st))
        except FileNotFoundError:
            continue


# A directory whose mtime is this recent is listed again: mtimes have coarse
# granularity, so a file added in the same tick as our last look must not be missed.
_RECENT_NS = 2_000_000_000


def due(folder: Path, cur_mtime: int, new_mtime: int) -> tuple[bool, bool, int] | None:
    """(list cur/, take new/, new/ mtime) when ``folder`` needs a scan, else None.

    ``cur_mtime`` and ``new_mtime`` are the directories' mtimes at the last look.
    """
    try:
        new_st = os.stat(folder / "new").st_mtime_ns
        cur_st = os.stat(folder / "cur").st_mtime_ns
    except FileNotFoundError:
        return None  # deleted or renamed by another session
    # cur/ is written by us (and rarely by other programs): list it only when its
    # mtime moved since our own last write. new/ is where other writers deliver,
    # so it is also listed while its mtime is too recent to be trusted.
    list_cur = cur_st != cur_mtime
    take_new = new_st != new_mtime or time.time_ns() - new_st < _RECENT_NS
    if not (list_cur or take_new):
        return None
    return list_cur, take_new, new_st
