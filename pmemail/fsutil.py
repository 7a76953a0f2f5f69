"""Crash-safe file writes: write a temporary file, fsync it, rename, fsync the directory.

A reader never sees a half-written file, and once a function here returns the
new content survives a power cut (the rename is made durable by the
directory fsync). Shared by ``mailcore`` (queue, collector, POP3) and
``netcore`` (IP history, router state), so it lives in neither.

``make_private_dir`` creates the data dir and the Maildirs: owner-only
whatever the umask.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PRIVATE_DIR_MODE = 0o700


def make_private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create ``path`` and its missing parents, each mode 0700 whatever the umask.

    Directories that exist already keep their mode, unless ``tighten``: then
    ``path`` itself (if it is ours) loses any group and other access.

    Raises:
        OSError: a component cannot be created, or exists and is not a directory.
    """
    try:
        os.mkdir(path, PRIVATE_DIR_MODE)
    except FileNotFoundError:
        if path.parent == path:
            raise
        make_private_dir(path.parent)
        return make_private_dir(path, tighten=tighten)
    except OSError:
        # exists (EEXIST), or e.g. EACCES/EROFS on an existing directory: like Path.mkdir
        if not path.is_dir():
            raise
        if tighten:
            st = os.stat(path)
            if st.st_mode & 0o077 and st.st_uid == os.geteuid():
                os.chmod(path, PRIVATE_DIR_MODE)
        return path
    os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode went through the umask
    return path


def fsync_dir(directory: Path) -> None:
    """Make renames and new links inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk (works on a read-only descriptor on Linux)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically and durably."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any) -> None:
    """Replace ``path`` with ``value`` as JSON, atomically and durably."""
    atomic_write_bytes(path, json.dumps(value, indent=1, sort_keys=True).encode())


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace ``path`` with ``text`` (UTF-8), atomically and durably."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def durable_copy(source: Path, target: Path) -> None:
    """Put ``source``'s content at ``target`` durably: a hard link when possible, else a copy.

    The link shares the inode, so the caller may delete ``source`` right after
    this returns. ``target`` must not exist.
    """
    try:
        os.link(source, target)
    except OSError:
        # Another filesystem (EXDEV) or no link support: copy through a temp file.
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, tmp)
        fsync_file(tmp)
        os.replace(tmp, target)
    else:
        fsync_file(target)
    fsync_dir(target.parent)


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600) for a read-modify-write.

    Between processes (``pmemail serve`` and a command run beside it); the
    kernel drops the lock if the holder dies, so a crash never leaves it held.
    A missing folder is created (0700), as the writers beside it do.
    """
    make_private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the flock
