"""The pid file of ``pmemail serve``: one server per data dir.

The file is held with an exclusive ``flock`` for the whole life of the
process, so "another server is running" is decided by the kernel, not by
guessing from a pid number: after ``kill -9`` the lock is gone with the
process and the leftover file is simply stale (it is overwritten).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from pmemail.fsutil import make_private_dir


class AlreadyRunning(Exception):
    """Another live ``pmemail serve`` holds the pid file."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"pid {pid}" if pid else "another process"
        super().__init__(f"pmemail serve is already running ({who}, pid file {path})")
        self.path = path
        self.pid = pid


def read_pid(path: Path) -> int | None:
    """The pid written in ``path``; None when missing or unreadable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class PidFile:
    """An exclusively locked pid file (a context manager).

    Args:
        path: where the file lives (``DataPaths.pidfile``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.stale_pid: int | None = None  # pid left by a dead server, for the log

    def acquire(self) -> None:
        """Lock the file and write our pid.

        Raises:
            AlreadyRunning: another live process holds the lock.
        """
        make_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(self.path, read_pid(self.path)) from None
        self.stale_pid = read_pid(self.path)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Remove the file and drop the lock (unlink first: no window without a lock)."""
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> PidFile:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
