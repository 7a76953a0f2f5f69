"""Maildir file operations: unique names, flag letters in ``:2,`` info, durable writes.

A new message is stored in two steps so the slow part can run in a worker
thread: ``write_tmp`` streams it into ``tmp/`` and fsyncs it (no reader looks
there), then ``publish`` renames it into ``cur/``, which is quick and is done
by the folder on the event loop together with numbering it, so no scan can
take the file in before the folder knows it is its own.
"""

from __future__ import annotations

import io
import itertools
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pmemail.fsutil import fsync_dir

# Maildir info letters <-> IMAP system flags (the Dovecot mapping).
LETTER_TO_FLAG = {
    "D": "\\Draft",
    "F": "\\Flagged",
    "R": "\\Answered",
    "S": "\\Seen",
    "T": "\\Deleted",
}
FLAG_TO_LETTER = {v: k for k, v in LETTER_TO_FLAG.items()}
SYSTEM_FLAGS = frozenset(LETTER_TO_FLAG.values())
SUBDIRS = ("cur", "new", "tmp")
_counter = itertools.count()
_CHUNK = 1 << 20


def _unique_stem() -> str:
    now = time.time()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    return f"{int(now)}.M{int(now * 1e6) % 1_000_000}P{os.getpid()}Q{next(_counter)}.{host}"


def unique_base(size: int, vsize: int) -> str:
    """A new unique Maildir base name carrying the file size and CRLF size."""
    return f"{_unique_stem()},S={size},W={vsize}"


def info_flags(filename: str) -> frozenset[str]:
    """System flags from a file name's ``:2,`` info (unknown letters ignored)."""
    _, sep, info = filename.partition(":2,")
    if not sep:
        return frozenset()
    return frozenset(LETTER_TO_FLAG[c] for c in info if c in LETTER_TO_FLAG)


def with_flags(filename: str, flags: frozenset[str]) -> str:
    """``filename`` with its info rewritten for ``flags``, keeping unknown letters."""
    base, sep, info = filename.partition(":2,")
    keep = {c for c in info if c not in LETTER_TO_FLAG} if sep else set()
    letters = keep | {FLAG_TO_LETTER[f] for f in flags if f in FLAG_TO_LETTER}
    return base + ":2," + "".join(sorted(letters))


def vsize_of(data: bytes) -> int:
    """The size of ``data`` once every bare LF is sent as CRLF."""
    return len(data) + data.count(b"\n") - data.count(b"\r\n")


class _SizeCounter:
    """Byte size and ``vsize_of`` of a stream fed chunk by chunk."""

    def __init__(self) -> None:
        self.size = 0
        self.vsize = 0
        self._previous_cr = False

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.vsize += vsize_of(chunk)
        # A CRLF split across two chunks was counted as a bare LF in the second.
        if self._previous_cr and chunk.startswith(b"\n"):
            self.vsize -= 1
        self._previous_cr = chunk.endswith(b"\r")


def vsize_of_file(path: Path) -> int:
    """``vsize_of`` the file's bytes, read in chunks (a 100 MB message is never in memory).

    Raises:
        OSError: the file cannot be read.
    """
    counter = _SizeCounter()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            counter.add(chunk)
    return counter.vsize


def size_hint(filename: str) -> int | None:
    """The ``,W=`` CRLF size some writers (Dovecot, us) put in file names."""
    base = filename.split(":", 1)[0]
    for part in base.split(",")[1:]:
        if part.startswith("W=") and part[2:].isdigit():
            return int(part[2:])
    return None


def to_crlf(data: bytes) -> bytes:
    """``data`` with every line ending as CRLF (the form IMAP sends and counts)."""
    if b"\n" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ensure_dirs(folder: Path) -> None:
    """Create a Maildir's cur/new/tmp (and ``maildirfolder`` marker for ++ folders)."""
    for sub in SUBDIRS:
        (folder / sub).mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Pending:
    """A message written durably in ``tmp/`` and not yet published in ``cur/``."""

    tmp: Path
    base: str  # the unique base name, with its ,S= and ,W= sizes
    vsize: int


def write_tmp(folder: Path, source: BinaryIO, internaldate: float | None) -> Pending:
    """Copy ``source`` to a new file in ``folder/tmp`` chunk by chunk, and fsync it.

    Blocking, and safe in a worker thread: it touches only its own new file.

    Raises:
        OSError: the copy failed (the partial file is removed).
    """
    stem = _unique_stem()
    tmp = folder / "tmp" / stem
    counter = _SizeCounter()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                counter.add(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if internaldate is not None:
            os.utime(tmp, (internaldate, internaldate))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Pending(tmp, f"{stem},S={counter.size},W={counter.vsize}", counter.vsize)


def publish(folder: Path, pending: Pending, flags: frozenset[str]) -> str:
    """Rename a ``write_tmp`` file into ``folder/cur``; its path relative to ``folder``.

    Durable only once ``fsync_dir(folder / "cur")`` has run (left to the caller,
    which may do it in a worker thread).
    """
    name = with_flags(pending.base, flags)
    try:
        os.rename(pending.tmp, folder / "cur" / name)
    except BaseException:
        pending.tmp.unlink(missing_ok=True)
        raise
    return "cur/" + name


def write_file(folder: Path, data: bytes, flags: frozenset[str], internaldate: float | None) -> str:
    """Write ``data`` durably into ``folder/cur`` and return its path relative to folder."""
    path = publish(folder, write_tmp(folder, io.BytesIO(data), internaldate), flags)
    fsync_dir(folder / "cur")
    return path


def link_or_copy(src: Path, dest_folder: Path, flags: frozenset[str]) -> str:
    """Hard-link (or copy across file systems) ``src`` into ``dest_folder/cur``."""
    data_size = src.stat().st_size
    hint = size_hint(src.name)
    vsize = hint if hint is not None else vsize_of_file(src)
    name = with_flags(unique_base(data_size, vsize), flags)
    dest = dest_folder / "cur" / name
    try:
        os.link(src, dest)
    except OSError:
        # Another file system (or no hard links): a durable copy, same date.
        with open(src, "rb") as f:
            pending = write_tmp(dest_folder, f, src.stat().st_mtime)
        name = publish(dest_folder, pending, flags).removeprefix("cur/")
    fsync_dir(dest_folder / "cur")
    return "cur/" + name
