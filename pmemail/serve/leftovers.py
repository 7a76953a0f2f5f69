"""Start-up cleanup of what a crash (``kill -9``, power loss) leaves behind.

A transaction interrupted mid-way leaves a file nobody will finish: a DATA
body in the spool, an upload or IMAP APPEND being received, a message half
written into a Maildir's ``tmp/``. Nothing else ever removes them. At start,
while the pid file is held (no other server writes these directories), every
such file older than the longest transaction is deleted. 36 hours is what the
Maildir specification suggests for ``tmp/``: no delivery takes that long, so
nothing younger is touched, whatever else the machine is doing.

Younger files are removed too when their name says their writer is dead: a
Maildir name carries the writing process's id (``<secs>.M<usec>P<pid>Q…``)
and so does a collector spool file (``.fetch-<pid>-…``). When that process
no longer runs (or is this very server, which has not written anything yet),
nobody will ever finish the file, so a restart right after ``kill -9``
leaves nothing behind. A pid that runs again (reused) keeps its files until
the 36-hour rule takes them: never a file that may be in use.

Age is the inode's change time: APPEND sets a ``tmp/`` file's modification
time to the message's own date, which may be years old. Before any of that,
the complete delivery copies a lost rename left in ``tmp/`` are published
(``mailcore.delivery.recover_copies``): they may have been acknowledged with 250.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mailcore.delivery import recover_copies
from mailcore.smtp.service import spool_dir
from pmemail.config.paths import DataPaths

log = logging.getLogger("pmemail.serve")

MAX_AGE = 36 * 3600.0  # seconds: longer than any transaction (Maildir's tmp/ rule)
# The writer's pid in a file name: a Maildir unique name, or a collector spool file.
_WRITER_PID = re.compile(r"^(?:\d+\.M\d+P(\d+)(?:Q\d+)?\.|\.fetch-(\d+)-)")


@dataclass(frozen=True)
class Swept:
    """What one sweep removed (and what it could not)."""

    files: int = 0
    size: int = 0
    errors: int = 0


def leftover_dirs(paths: DataPaths) -> Iterator[Path]:
    """Every directory that holds only in-flight files: spools and Maildir ``tmp/``."""
    yield spool_dir(paths)  # SMTP DATA, IMAP APPEND, webmail uploads and composed mail
    yield paths.state / "collector" / "spool"
    # maildirs/<domain>/<local>/tmp and each Maildir++ folder's .<name>/tmp
    yield from paths.maildirs.glob("*/*/tmp")
    yield from paths.maildirs.glob("*/*/.*/tmp")


def sweep(dirs: Iterable[Path], max_age: float = MAX_AGE, now: float | None = None) -> Swept:
    """Delete the regular files in ``dirs`` (not below) older than ``max_age`` seconds,
    or written by a process that is gone (:func:`writer_gone`)."""
    limit = (time.time() if now is None else now) - max_age
    files = size = errors = 0
    for folder in dirs:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        except OSError:
            errors += 1
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if not entry.is_file(follow_symlinks=False):
                    continue
                if st.st_ctime >= limit and not writer_gone(entry.name):
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:
                continue
            except OSError:
                errors += 1
                continue
            files, size = files + 1, size + st.st_size
    return Swept(files, size, errors)


def writer_gone(name: str) -> bool:
    """Whether ``name`` carries the pid of a process that no longer runs (or is us).

    For the start-up sweep only: this process must not have written anything yet.
    """
    found = _WRITER_PID.match(name)
    if found is None:
        return False
    pid = int(found.group(1) or found.group(2))
    if pid == os.getpid():
        return True  # a previous process had our pid (a reboot): we wrote nothing yet
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: alive under another account
        return False
    return False


def clean_leftovers(paths: DataPaths, max_age: float = MAX_AGE) -> Swept:
    """Sweep every leftover directory of ``paths`` and log one summary line.

    Call it before the event loop starts (it is blocking), with the pid file held.
    """
    # First publish the copies that were complete (and may have been acknowledged)
    # when the rename into new/ was lost: the sweep below must never see them.
    recovered = recover_copies(paths.maildirs)
    if recovered:
        log.info("delivery: %d message(s) found in tmp/ after a crash, delivered", recovered)
    swept = sweep(leftover_dirs(paths), max_age)
    if swept.files or swept.errors:
        log.info(
            "removed %d unfinished file(s) (%d bytes) left by an earlier crash%s",
            swept.files,
            swept.size,
            f"; {swept.errors} could not be removed" if swept.errors else "",
        )
    return swept
