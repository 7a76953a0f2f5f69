"""Maildir on disk: file names, ``:2,`` flags, size tags and directories, in one place.

Every writer (SMTP delivery, the mail store behind IMAP and the webmail)
names its files here and every reader (the mail store, POP3) parses them
here, so what one writes the others understand.

Names are ``<secs>.M<usec>P<pid>Q<seq>.<host>,S=<size>[,W=<CRLF size>]``,
then ``:2,<flag letters>`` once in ``cur/``. The microseconds are zero-padded
so that names sort in arrival order (the mail store numbers the files of
``new/`` in name order). Readers take any name: those of older versions
(unpadded microseconds, no ``,W=``) and those of other programs (Dovecot...).

Directories: a Maildir, its ``cur``/``new``/``tmp`` and every parent made for
it (user and domain directories) are created 0700 whatever the umask.

A message is stored by the mail store in two steps so the slow part can run in
a worker thread: ``write_tmp`` streams it into ``tmp/`` and fsyncs it (no
reader looks there), then ``publish`` renames it into ``cur/``, which is quick
and is done by the folder on the event loop together with numbering it, so no
scan can take the file in before the folder knows it is its own. (Delivery
batches its own writes and fsyncs; it only takes names and directories here.)
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from pmemail.fsutil import fsync_dir, make_private_dir

SUBDIRS = ("cur", "new", "tmp")
FOLDER_MARKER = "maildirfolder"  # in every Maildir++ folder (``.Name``), as Dovecot does
INFO = ":2,"

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

_counter = itertools.count()  # the one sequence number of this process's names
_CHUNK = 1 << 20


# -- directories ----------------------------------------------------------------


def make_maildir(path: Path) -> Path:
    """Create ``cur``/``new``/``tmp`` under ``path`` (and missing parents), all 0700.

    A Maildir++ folder (``.Name``) also gets its ``maildirfolder`` marker.
    Existing directories are left as they are.

    Raises:
        OSError: a directory cannot be created.
    """
    make_private_dir(path)
    for sub in SUBDIRS:
        make_private_dir(path / sub)
    if path.name.startswith("."):
        (path / FOLDER_MARKER).touch(mode=0o600, exist_ok=True)
    return path


# -- names ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname().replace("/", "\\057").replace(":", "\\072")


def new_stem() -> str:
    """A new unique name without sizes: ``<secs>.M<usec>P<pid>Q<seq>.<host>``."""
    secs, usec = divmod(time.time_ns() // 1000, 1_000_000)
    return f"{secs}.M{usec:06d}P{os.getpid()}Q{next(_counter)}.{_host()}"


def sized(stem: str, size: int, vsize: int | None = None) -> str:
    """``stem`` with its size tags: ``,S=<size>`` then ``,W=<vsize>`` when known."""
    return f"{stem},S={size}" if vsize is None else f"{stem},S={size},W={vsize}"


def unique_name(size: int, vsize: int | None = None) -> str:
    """A new unique Maildir name carrying the file size (and the CRLF size when known)."""
    return sized(new_stem(), size, vsize)


def base_of(filename: str) -> str:
    """The unique part of a file name: everything before the ``:`` of its info."""
    return filename.split(":", 1)[0]


class Sizes(NamedTuple):
    """The size tags of a file name; None where absent."""

    size: int | None  # ,S= the file's size
    vsize: int | None  # ,W= its size with CRLF line endings (what IMAP and POP3 count)


def sizes(filename: str) -> Sizes:
    """The ``,S=`` and ``,W=`` tags of a name (ours, older ones, Dovecot's)."""
    tags: dict[str, int] = {}
    for part in base_of(filename).split(",")[1:]:
        key, sep, value = part.partition("=")
        if sep and value.isascii() and value.isdigit():
            tags.setdefault(key, int(value))
    return Sizes(tags.get("S"), tags.get("W"))


# -- flags ---------------------------------------------------------------------------


def info_flags(filename: str) -> frozenset[str]:
    """System flags from a file name's ``:2,`` info (unknown letters ignored)."""
    _, sep, info = filename.partition(INFO)
    if not sep:
        return frozenset()
    return frozenset(LETTER_TO_FLAG[c] for c in info if c in LETTER_TO_FLAG)


def keywords(flags: Iterable[str]) -> frozenset[str]:
    """The keywords among ``flags`` (those not kept as info letters)."""
    return frozenset(flags) - SYSTEM_FLAGS


def with_flags(filename: str, flags: Iterable[str]) -> str:
    """``filename`` with its info rewritten for ``flags``, keeping unknown letters."""
    _, sep, info = filename.partition(INFO)
    keep = {c for c in info if c not in LETTER_TO_FLAG} if sep else set()
    letters = keep | {FLAG_TO_LETTER[f] for f in flags if f in FLAG_TO_LETTER}
    return base_of(filename) + INFO + "".join(sorted(letters))


def cur_name(filename: str) -> str:
    """The name a file of ``new/`` takes in ``cur/``: an empty info added if it has none."""
    return filename if ":" in filename else filename + INFO


# -- sizes -------------------------------------------------------------------------------


def vsize_of(data: bytes) -> int:
    """The size of ``data`` once every bare LF is sent as CRLF."""
    return len(data) + data.count(b"\n") - data.count(b"\r\n")


class SizeCounter:
    """Byte size and ``vsize_of`` of a stream fed chunk by chunk."""

    def __init__(self) -> None:
        """Start at zero."""
        self.size = 0
        self.vsize = 0
        self._previous_cr = False

    def add(self, chunk: bytes) -> None:
        """Count one more chunk."""
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
    counter = SizeCounter()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            counter.add(chunk)
    return counter.vsize


def to_crlf(data: bytes) -> bytes:
    """``data`` with every line ending as CRLF (the form IMAP sends and counts)."""
    if b"\n" not in data:
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# -- storing (the mail store) ---------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A message written durably in ``tmp/`` and not yet published in ``cur/``."""

    tmp: Path
    base: str  # the unique name, with its ,S= and ,W= sizes
    vsize: int


def write_tmp(folder: Path, source: BinaryIO, internaldate: float | None) -> Pending:
    """Copy ``source`` to a new file in ``folder/tmp`` chunk by chunk, and fsync it.

    Blocking, and safe in a worker thread: it touches only its own new file.

    Raises:
        OSError: the copy failed (the partial file is removed).
    """
    stem = new_stem()
    tmp = folder / "tmp" / stem
    counter = SizeCounter()
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
    return Pending(tmp, sized(stem, counter.size, counter.vsize), counter.vsize)


def write_tmp_from(folder: Path, source: Path | bytes, internaldate: float | None) -> Pending:
    """``write_tmp`` from a file (streamed, never read whole) or from bytes."""
    if isinstance(source, bytes):
        return write_tmp(folder, io.BytesIO(source), internaldate)
    with open(source, "rb") as f:
        return write_tmp(folder, f, internaldate)


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


def link_or_copy(src: Path, dest_folder: Path, flags: frozenset[str]) -> str:
    """Hard-link (or copy across file systems) ``src`` into ``dest_folder/cur``."""
    data_size = src.stat().st_size
    vsize = sizes(src.name).vsize
    if vsize is None:
        vsize = vsize_of_file(src)
    name = with_flags(unique_name(data_size, vsize), flags)
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
