"""Cheap readers behind the dashboard's local refresh (no UI here).

The dashboard reads the same few local sources every few seconds while the
admin watches: each reader here remembers what it read last time so an idle
refresh costs almost nothing (idle CPU target: under 2 %).

* :class:`LogTail`: the last lines of a log, reading only appended bytes;
* :class:`DirWatch`: whether a directory's entries changed since last look.
"""

from __future__ import annotations

import os
import time
from collections import deque
from pathlib import Path
from typing import BinaryIO

TAIL_BYTES = 64 * 1024  # enough for any sensible ``dashboard.log_lines``


def tail_lines(path: Path, count: int) -> list[str]:
    """The last ``count`` lines of a text file ([] when it does not exist)."""
    return LogTail(path, count).lines()


class LogTail:
    """The last ``count`` lines of a file that grows at its end (a log).

    Each call reads only what was appended since the previous one; a file
    that shrank or was replaced (rotation) is read again from its tail.
    """

    def __init__(self, path: Path, count: int) -> None:
        """Args: path: the file; count: how many lines to keep."""
        self.path = path
        self.count = count
        self._lines: deque[str] = deque(maxlen=count)
        self._pending = b""  # an unfinished last line, completed by a later read
        self._inode = -1
        self._offset = 0

    def lines(self) -> list[str]:
        """The last lines now (an unfinished last line included)."""
        try:
            with self.path.open("rb") as f:
                st = os.fstat(f.fileno())
                if st.st_ino != self._inode or st.st_size < self._offset:
                    self._restart(st.st_ino)
                if st.st_size > self._offset:
                    self._read(f, st.st_size)
        except OSError:
            self._restart(-1)
            return []
        tail = list(self._lines)
        if self._pending:
            tail = [*tail, self._pending.decode("utf-8", "replace")][-self.count :]
        return tail

    def _restart(self, inode: int) -> None:
        self._lines.clear()
        self._pending, self._inode, self._offset = b"", inode, 0

    def _read(self, f: BinaryIO, size: int) -> None:
        start = self._offset
        if size - start > TAIL_BYTES:  # far behind (or a first look): only the tail matters
            start = size - TAIL_BYTES
            self._lines.clear()
            self._pending = b""
        f.seek(start)
        data = f.read(size - start)
        skipped = start > self._offset
        self._offset = start + len(data)
        if skipped:  # the first piece is the end of a line that is not kept
            cut = data.find(b"\n")
            data = data[cut + 1 :] if cut >= 0 else b""
        complete, newline, self._pending = (self._pending + data).rpartition(b"\n")
        if newline:
            self._lines.extend(
                line.rstrip("\r") for line in complete.decode("utf-8", "replace").split("\n")
            )


class DirWatch:
    """Tells whether a directory's entries may have changed since the last look.

    Adding, removing or renaming an entry (atomic writes rename) changes the
    directory's mtime. Timestamps are coarse, so a change in the same tick
    as the last look is not trusted: the directory counts as changed until
    its mtime is ``SETTLE`` seconds older than the look.
    """

    SETTLE = 2.0

    def __init__(self, path: Path) -> None:
        """Args: path: the directory to watch."""
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._looked = 0.0

    def changed(self) -> bool:
        """True when the entries must be read again (always on the first call)."""
        try:
            st = os.stat(self.path)
            key: tuple[int, int] | None = (st.st_ino, st.st_mtime_ns)
            settled = time.time() - st.st_mtime_ns / 1e9 > self.SETTLE
        except OSError:
            key, settled = None, True
        if key == self._seen and settled and self._looked:
            return False
        self._seen, self._looked = key, time.time()
        return True
