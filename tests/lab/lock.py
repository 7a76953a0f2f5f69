"""A host-wide lock: one router lab at a time.

Namespace names (lab-wan, ...) are global to the machine, so two test
sessions running at once (two developers' pytest, or pytest-xdist workers)
would tear down each other's lab: the second ``up()`` kills every process
in the lab namespaces.  The lab therefore holds an exclusive ``flock`` for
its whole life; the kernel drops it when the holder dies, so a lab whose
lock is free is stale and safe to clean up.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from tests.lab.process import POLL_S, LabError

LOCK_PATH = Path("/run/lock/pmemail-router-lab.lock")


class LabLock:
    """Exclusive, process-lifetime lock on :data:`LOCK_PATH`."""

    def __init__(self, path: Path = LOCK_PATH) -> None:
        """Prepare (not take) the lock at ``path``."""
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self, timeout: float) -> None:
        """Take the lock, waiting up to ``timeout`` s for another session."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
                    os.close(fd)
                    raise LabError(
                        f"router lab busy for {timeout:.0f} s: held by pid {holder or '?'}"
                    ) from None
                time.sleep(POLL_S * 4)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (no-op when not held)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the only fd releases the flock
            self._fd = None
