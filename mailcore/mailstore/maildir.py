"""Maildir file operations: unique names, flag letters in ``:2,`` info, durable writes."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import time
from pathlib import Path

# Maildir info letters <-> IMAP system flags (the Dovecot mapping).
LETTER_TO_FLAG = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered",
                  "S": "\\Seen", "T": "\\Deleted"}
FLAG_TO_LETTER = {v: k for k, v in LETTER_TO_FLAG.items()}
SYSTEM_FLAGS = frozenset(LETTER_TO_FLAG.values())
SUBDIRS = ("cur", "new", "tmp")
_counter = itertools.count()
_CHUNK = 1 << 20


def unique_base(size: int, vsize: int) -> str:
    """A new unique Maildir base name carrying the file size and CRLF size."""
    now = time.time()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    return (f"{int(now)}.M{int(now * 1e6) % 1_000_000}P{os.getpid()}Q{next(_counter)}"
            f".{host},S={size},W={vsize}")


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


def vsize_of_file(path: Path) -> int:
    """``vsize_of`` the file's bytes, read in chunks (a 100 MB message is never in memory).

    Raises:
        OSError: the file cannot be read.
    """
    size = 0
    previous_cr = False
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            size += vsize_of(chunk)
            # A CRLF split across two chunks was counted as a bare LF in the second.
            if previous_cr and chunk.startswith(b"\n"):
                size -= 1
            previous_cr = chunk.endswith(b"\r")
    return size


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


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename or link in it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dirs(folder: Path) -> None:
    """Create a Maildir's cur/new/tmp (and ``maildirfolder`` marker for ++ folders)."""
    for sub in SUBDIRS:
        (folder / sub).mkdir(parents=True, exist_ok=True)


def write_file(folder: Path, data: bytes, flags: frozenset[str],
               internaldate: float | None) -> str:
    """Write ``data`` durably into ``folder/cur`` and return its path relative to folder."""
    base = unique_base(len(data), vsize_of(data))
    tmp = folder / "tmp" / base
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if internaldate is not None:
            os.utime(tmp, (internaldate, internaldate))
        name = with_flags(base, flags)
        os.rename(tmp, folder / "cur" / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder / "cur")
    return "cur/" + name


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
        st = src.stat()
        tmp = dest_folder / "tmp" / name
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.rename(tmp, dest)
    fsync_dir(dest_folder / "cur")
    return "cur/" + name
