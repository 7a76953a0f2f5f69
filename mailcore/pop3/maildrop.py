"""A POP3 maildrop: a locked snapshot of a user's INBOX Maildir.

Opening the maildrop takes an exclusive ``flock`` on a lock file in the
Maildir (so two POP3 sessions never both delete: the lock is per open file,
so it also works between sessions of one process), moves ``new/`` into
``cur/`` as a real server does, and lists ``cur/`` once: that list is the
session's snapshot (RFC 1939 numbers never change during a session).

UIDLs are the Maildir unique name (the part before ``:``), so they are stable
across restarts and across sessions. Sizes are the exact octet count of the
message with CRLF line endings (what RETR sends before byte stuffing): taken
from the ``,W=`` size tag of the name when present (``mailcore.maildir``
parses names), else computed once and cached by (name, file size, mtime).

Everything here is blocking file I/O: the session calls it via a thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from mailcore import dotstuff, maildir
from pmemail.fsutil import fsync_dir

LOCK_NAME = "pmemail-pop3.lock"
CHUNK = 65536
_UIDL_OK = re.compile(r"^[\x21-\x7e]{1,70}$")


class MaildropInUse(Exception):
    """Another session holds this maildrop's lock."""


class NoSuchMessage(LookupError):
    """A message number outside the snapshot or already marked deleted."""


@dataclass
class Message:
    """One message of the snapshot."""

    name: str  # file name in cur/
    uid: str
    size: int
    deleted: bool = False


def uid_for(name: str) -> str:
    """The UIDL of a Maildir file name: its unique part (before ``:``).

    RFC 1939 allows 1-70 printable characters; anything else is hashed.
    """
    unique = maildir.base_of(name)
    if _UIDL_OK.match(unique):
        return unique
    return "h" + hashlib.sha256(unique.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def wire_size(path: Path) -> int:
    """The message's size in octets with CRLF line endings."""
    with path.open("rb") as f:
        return dotstuff.wire_size(f)


class SizeCache:
    """Per-Maildir cache of computed sizes, shared by the server's sessions."""

    def __init__(self) -> None:
        """Start empty (sizes are computed on first sight)."""
        self._lock = threading.Lock()
        self._by_root: dict[Path, dict[str, tuple[int, int, int]]] = {}

    def sizes(self, root: Path, cur: Path, names: list[str]) -> list[int]:
        """The wire size of each of ``names`` in ``cur`` (entries for others are dropped)."""
        with self._lock:
            old = self._by_root.get(root, {})
        new: dict[str, tuple[int, int, int]] = {}
        out: list[int] = []
        for name in names:
            tagged = maildir.sizes(name).vsize
            if tagged is not None:
                out.append(tagged)
                continue
            st = (cur / name).stat()
            hit = old.get(name)
            if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
                size = hit[2]
            else:
                size = wire_size(cur / name)
            new[name] = (st.st_size, st.st_mtime_ns, size)
            out.append(size)
        with self._lock:
            self._by_root[root] = new
        return out


class Maildrop:
    """A locked snapshot of one INBOX Maildir (``root`` has cur/ new/ tmp/)."""

    def __init__(self, root: Path, lock_fd: int, messages: list[Message]) -> None:
        """Use ``Maildrop.open``."""
        self.root = root
        self._lock_fd: int | None = lock_fd
        self.messages = messages

    @classmethod
    def open(cls, root: Path, cache: SizeCache) -> Maildrop:
        """Lock the Maildir, move new/ into cur/ and take the snapshot.

        Raises:
            MaildropInUse: another session has it open.
            OSError: the Maildir cannot be created or read.
        """
        maildir.make_maildir(root)
        fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise MaildropInUse(str(root)) from None
        try:
            return cls(root, fd, _snapshot(root, cache))
        except BaseException:
            os.close(fd)
            raise

    # -- queries ---------------------------------------------------------------

    def get(self, number: int) -> Message:
        """Message ``number`` (1-based) if it exists and is not deleted.

        Raises:
            NoSuchMessage: with the reason for ``-ERR``.
        """
        if not 1 <= number <= len(self.messages):
            raise NoSuchMessage(f"no such message, only {len(self.messages)} in maildrop")
        msg = self.messages[number - 1]
        if msg.deleted:
            raise NoSuchMessage(f"message {number} already deleted")
        return msg

    def live(self) -> list[tuple[int, Message]]:
        """(number, message) of every message not marked deleted."""
        return [(i, m) for i, m in enumerate(self.messages, 1) if not m.deleted]

    def stat(self) -> tuple[int, int]:
        """(count, total octets) of the messages not marked deleted."""
        live = self.live()
        return len(live), sum(m.size for _, m in live)

    def chunks(self, msg: Message, body_lines: int | None = None) -> Generator[bytes, None, None]:
        """The message as byte-stuffed CRLF lines, in ~64 KiB pieces (no terminator); a
        line is read a piece at a time, so no line of the file is ever held whole.

        ``body_lines`` given = TOP: the header, the blank line, then that many
        body lines. Raises ``FileNotFoundError`` if the file vanished.
        """
        with (self.root / "cur" / msg.name).open("rb") as f:
            yield from dotstuff.stuffed(f, body_lines, CHUNK)

    # -- changes ---------------------------------------------------------------

    def undelete_all(self) -> None:
        """RSET: unmark every message."""
        for msg in self.messages:
            msg.deleted = False

    def commit(self) -> int:
        """UPDATE state: remove the messages marked deleted; returns how many failed."""
        failed = 0
        cur = self.root / "cur"
        for msg in self.messages:
            if msg.deleted:
                try:
                    (cur / msg.name).unlink()
                except FileNotFoundError:
                    pass  # already gone: the goal is reached
                except OSError:
                    failed += 1
        fsync_dir(cur)
        return failed

    def close(self) -> None:
        """Release the lock (idempotent)."""
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)  # closing the only descriptor releases the flock


def _snapshot(root: Path, cache: SizeCache) -> list[Message]:
    new, cur = root / "new", root / "cur"
    moved = False
    for entry in os.scandir(new):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        with contextlib.suppress(FileNotFoundError):  # a concurrent mover won the race
            os.rename(entry.path, cur / maildir.cur_name(entry.name))
            moved = True
    if moved:
        fsync_dir(cur)
        fsync_dir(new)
    entries = [
        (e.stat().st_mtime_ns, e.name)
        for e in os.scandir(cur)
        if not e.name.startswith(".") and e.is_file()
    ]
    names = [name for _, name in sorted(entries)]
    sizes = cache.sizes(root, cur, names)
    return [Message(name, uid_for(name), size) for name, size in zip(names, sizes, strict=True)]
