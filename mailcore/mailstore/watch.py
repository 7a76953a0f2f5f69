"""One change notifier per watched folder: inotify on its ``new/`` and ``cur/``.

A folder is watched while it has listeners (``Folder.subscribe`` calls
:func:`follow` for the first one, ``unsubscribe`` :func:`unfollow` after the
last), so a folder opened for one STATUS keeps no watch. Writers inside this
process notify listeners themselves; this module is for the others: the SMTP
delivery (``mailcore.delivery`` renames into ``new/`` on its own threads), an
external MDA, another IMAP server on the same Maildir. Their events of a few
milliseconds are coalesced, then ``folder.refresh()`` runs once and notifies
the folder's listeners if anything changed. No session wakes up on a timer.

One inotify descriptor serves every folder of an event loop (one per process
in ``pmemail serve``): a registry maps watch descriptors to folders. When
inotify is missing (not Linux), out of watches (``ENOSPC``) or of descriptors
(``EMFILE``), a folder is polled instead, by one task per folder (never per
session) every ``poll_interval`` seconds (``imap.idle_poll``).

Our own writes (APPEND, STORE, EXPUNGE renames in ``cur/``) also raise
events; the refresh they cause stops at ``scan.due``'s two ``stat`` calls,
since the writer recorded ``cur/``'s new mtime itself, and never writes, so
it raises no further event.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import functools
import logging
import os
import struct
import sys
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailcore.mailstore.folder import Folder

log = logging.getLogger("pmemail.mailstore")

COALESCE = 0.005  # seconds: a delivery's rename and a flag burst make one refresh
DEFAULT_POLL = 0.4  # imap.idle_poll's default, until a service sets its own

# <sys/inotify.h>
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_Q_OVERFLOW, IN_IGNORED, IN_ONLYDIR = 0x4000, 0x8000, 0x01000000
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
# new/: a message arrives by rename (Maildir) or link (qmail-style MDAs); what leaves
# new/ shows up in cur/. cur/: anything coming, going or renamed (flags). File
# attributes are not looked at by a scan, so IN_ATTRIB would only cost wake-ups.
MASKS = {
    "new": IN_CREATE | IN_MOVED_TO | IN_ONLYDIR,
    "cur": IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR,
}
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (the name follows)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library when it has inotify (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    return libc if hasattr(libc, "inotify_init1") else None


def inotify_available() -> bool:
    """Whether this system offers inotify (tests replace it to force the fallback)."""
    return _libc() is not None


def _check(result: int) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def parse_events(data: bytes) -> list[tuple[int, int]]:
    """(watch descriptor, mask) of each event in a read of the inotify descriptor."""
    events = []
    pos = 0
    while pos + _EVENT.size <= len(data):
        wd, mask, _, length = _EVENT.unpack_from(data, pos)
        events.append((wd, mask))
        pos += _EVENT.size + length
    return events


@dataclass(eq=False)
class _Entry:
    """One watched folder: its watches (or its poll task) and its refresh task."""

    folder: Folder
    wds: list[int] = field(default_factory=list)
    poller: asyncio.Task[None] | None = None
    refreshing: asyncio.Task[None] | None = None
    again: bool = False  # an event came during the refresh: run it once more


@dataclass(frozen=True)
class WatchStats:
    """What a registry holds (for tests and status)."""

    folders: int  # watched folders
    inotify_watches: int  # directories under inotify
    polled: int  # folders polled instead
    refreshes: int  # refreshes run since the registry was made


class Watcher:
    """The registry of one event loop: watched folders by inotify watch descriptor."""

    def __init__(self, loop: asyncio.AbstractEventLoop, use_inotify: bool = True) -> None:
        """Watch folders for ``loop``; ``use_inotify`` False polls every folder."""
        self.loop = loop
        self.use_inotify = use_inotify and inotify_available()
        self.poll_interval = DEFAULT_POLL  # read before each wait: a service may set it
        self.refreshes = 0
        self._entries: dict[Folder, _Entry] = {}
        self._by_wd: dict[int, set[_Entry]] = {}
        self._fd: int | None = None
        self._dirty: set[_Entry] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def stats(self) -> WatchStats:
        """Counts of what is watched now."""
        polled = sum(1 for e in self._entries.values() if e.poller is not None)
        return WatchStats(len(self._entries), len(self._by_wd), polled, self.refreshes)

    def follow(self, folder: Folder) -> None:
        """Watch ``folder`` (nothing if it is watched already)."""
        if folder in self._entries:
            return
        entry = _Entry(folder)
        self._entries[folder] = entry
        if not self._add_watches(entry):
            entry.poller = self.loop.create_task(self._poll(entry), name=f"poll {folder.name}")
            self._tasks.add(entry.poller)
            entry.poller.add_done_callback(self._tasks.discard)
        # what arrived between the folder's last refresh and the watch being set
        self._kick(entry)

    def unfollow(self, folder: Folder) -> None:
        """Stop watching ``folder``; the inotify descriptor is closed with the last one."""
        entry = self._entries.pop(folder, None)
        if entry is None:
            return
        self._dirty.discard(entry)
        if entry.poller is not None:
            entry.poller.cancel()  # it only sleeps and kicks: a refresh is never cut short
        for wd in entry.wds:
            users = self._by_wd.get(wd)
            if users is None:
                continue  # already gone (IN_IGNORED: its directory was deleted)
            users.discard(entry)
            if not users:
                del self._by_wd[wd]
                if self._fd is not None:
                    # -1 (EINVAL) when the kernel removed it meanwhile: nothing to do
                    _lib().inotify_rm_watch(self._fd, wd)
        if not self._entries:
            self._close()

    # -- inotify -----------------------------------------------------------

    def _open(self) -> bool:
        if self._fd is not None:
            return True
        if not self.use_inotify:
            return False
        try:
            self._fd = _check(_lib().inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
        except OSError as exc:
            # EMFILE: per-user instance limit or no descriptor left; tried again later
            log.warning("inotify unavailable (%s): folders are polled", exc.strerror)
            return False
        self.loop.add_reader(self._fd, self._readable)
        return True

    def _close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._fd is not None:
            self.loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = None
        self._by_wd.clear()

    def _add_watches(self, entry: _Entry) -> bool:
        """inotify watches on ``new/`` and ``cur/``; False to poll this folder instead."""
        if not self._open():
            return False
        assert self._fd is not None
        wds = []
        try:
            for sub, mask in MASKS.items():
                path = os.fsencode(entry.folder.path / sub)
                wds.append(_check(_lib().inotify_add_watch(self._fd, path, mask)))
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                log.warning("inotify watch limit reached: %s is polled", entry.folder.path)
            elif exc.errno != errno.ENOENT:  # a folder deleted meanwhile needs nothing
                log.warning("cannot watch %s (%s): it is polled", entry.folder.path, exc)
            for wd in wds:
                if wd not in self._by_wd:
                    _lib().inotify_rm_watch(self._fd, wd)
            return exc.errno == errno.ENOENT
        # the same directory gives the same descriptor (two Folder objects of it)
        for wd in wds:
            self._by_wd.setdefault(wd, set()).add(entry)
        entry.wds = wds
        return True

    def _readable(self) -> None:
        """Read every pending event; the folders they name are refreshed a little later."""
        assert self._fd is not None
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError as exc:
                log.warning("reading inotify events failed: %s", exc)
                break
            for wd, mask in parse_events(data):
                if mask & IN_Q_OVERFLOW:  # events were lost: look at everything
                    self._dirty.update(self._entries.values())
                    continue
                users = self._by_wd.get(wd)
                if users is None:
                    continue
                self._dirty.update(users)
                if mask & IN_IGNORED:  # its directory is gone; the descriptor with it
                    del self._by_wd[wd]
        if self._dirty and self._flush is None:
            self._flush = self.loop.call_later(COALESCE, self._refresh_dirty)

    def _refresh_dirty(self) -> None:
        self._flush = None
        dirty, self._dirty = self._dirty, set()
        for entry in dirty:
            self._kick(entry)

    # -- refresh -------------------------------------------------------------

    async def _poll(self, entry: _Entry) -> None:
        """The fallback: this folder refreshed every ``poll_interval`` seconds."""
        while True:
            await asyncio.sleep(self.poll_interval)
            self._kick(entry)

    def _kick(self, entry: _Entry) -> None:
        """Refresh ``entry``'s folder now, or once more after the refresh under way."""
        if entry.refreshing is not None:
            entry.again = True
            return
        task = entry.refreshing = self.loop.create_task(self._refresh(entry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh(self, entry: _Entry) -> None:
        try:
            while True:
                entry.again = False
                self.refreshes += 1
                try:
                    await entry.folder.refresh()
                except OSError as exc:
                    log.warning("refresh of %s failed: %s", entry.folder.path, exc)
                except Exception:
                    log.exception("refresh of %s failed", entry.folder.path)
                if not entry.again or self._entries.get(entry.folder) is not entry:
                    return
        finally:
            entry.refreshing = None


def _lib() -> ctypes.CDLL:
    libc = _libc()
    if libc is None:
        raise OSError(errno.ENOSYS, "inotify is not available")
    return libc


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watcher] = (
    weakref.WeakKeyDictionary()
)


def watcher(loop: asyncio.AbstractEventLoop | None = None) -> Watcher:
    """The registry of ``loop`` (the running loop by default), made on first use."""
    loop = loop or asyncio.get_running_loop()
    found = _watchers.get(loop)
    if found is None:
        found = _watchers[loop] = Watcher(loop)
    return found


def existing(loop: asyncio.AbstractEventLoop) -> Watcher | None:
    """The registry of ``loop`` if one was made (for tests and status)."""
    return _watchers.get(loop)


def follow(folder: Folder) -> None:
    """Watch ``folder`` from the running loop's registry (outside a loop: nothing to wake)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    watcher(loop).follow(folder)


def unfollow(folder: Folder) -> None:
    """Stop watching ``folder`` (nothing if it was not watched)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    found = _watchers.get(loop)
    if found is not None:
        found.unfollow(folder)
