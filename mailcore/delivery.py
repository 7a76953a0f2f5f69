"""Durable delivery into Maildirs, with group commit.

Every copy is written in ``tmp/``, then the file and its ``tmp/`` directory
are fsynced, then it is renamed into ``new/``; ``250`` is sent after that, so
it is only ever sent for mail that is on disk. The rename itself is not
waited for: after a crash that undid it, :meth:`MaildirDelivery.recover`
(run when ``pmemail serve`` starts) finds the complete copy in ``tmp/`` and
publishes it. A copy is complete when its mode is 0600 (it is created 0200
and changed only once written) and its size is the ``,S=`` of its name; a
partial file (never acknowledged) stays in ``tmp/``, invisible. This costs
one journal commit per message where "fsync, rename, fsync ``new/``" costs two.

One commit per message would still make the disk the bottleneck, so
deliveries that arrive while a batch is being committed wait and are committed
together: the files of a batch are written and fsynced in parallel (the ext4
journal folds concurrent fsyncs into one commit), then each ``tmp/`` directory
of the batch is fsynced once.

Layout: ``DataPaths.maildirs/<domain>/<localpart>/`` with Maildir++ folders
(``.Sent``, ``.Drafts``...) inside it. File names and directories (0700) come
from ``mailcore.maildir``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mailcore import maildir
from mailcore.status import DeliveryStatus
from pmemail.config.paths import DataPaths
from pmemail.fsutil import fsync_file

_COPY_CHUNK = 1 << 20
_SEEN = frozenset({"\\Seen"})
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_WRITING, _COMPLETE = 0o200, 0o600  # a copy's mode in tmp/ while written, then once whole


def maildir_path(paths: DataPaths, address: str, folder: str = "") -> Path:
    """The Maildir of ``address`` (and of one of its Maildir++ folders).

    Raises:
        ValueError: if the address could escape the mail directory.
    """
    local, sep, domain = address.strip().lower().rpartition("@")
    for part in (local, domain):
        if not sep or not part or "/" in part or part.startswith(".") or "\0" in part:
            raise ValueError(f"address unusable as a mailbox path: {address!r}")
    base = paths.maildirs / domain / local
    if folder:
        if "/" in folder or folder.startswith(".") or "\0" in folder:
            raise ValueError(f"bad folder name: {folder!r}")
        return base / f".{folder}"
    return base


@dataclass
class _Copy:
    maildir: Path
    seen: bool  # folders written by the owner (Sent) land in cur/ already seen
    tmp: Path | None = None
    final: Path | None = None


@dataclass
class _Job:
    message: Path
    headers: bytes
    copies: list[_Copy]
    future: asyncio.Future[None] | None = None
    error: BaseException | None = None
    fds: list[int] = field(default_factory=list)


class MaildirDelivery:
    """``mailcore.interfaces.LocalDelivery`` over Maildirs, batching fsyncs."""

    def __init__(self, paths: DataPaths, *, fsync: bool = True, threads: int = 16) -> None:
        """Deliver under ``paths.maildirs``.

        Args:
            paths: the data dir layout.
            fsync: False only for throw-away tests; production always syncs.
            threads: worker threads for parallel fsyncs.
        """
        self.paths = paths
        self.fsync = fsync
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="maildir")
        self._pending: list[_Job] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.batches = 0
        self._known: set[Path] = set()  # Maildirs already created (skip their mkdirs)

    async def deliver(
        self,
        message: Path,
        mailboxes: list[str],
        headers: bytes = b"",
        folder: str = "",
        *,
        unseen: bool = False,
    ) -> None:
        """Copy ``headers`` + ``message`` into each mailbox; return once all are durable.

        Copies in a ``folder`` land read (the owner's own, e.g. Sent) unless ``unseen``.
        """
        job = self._job(message, mailboxes, headers, folder, unseen)
        loop = asyncio.get_running_loop()
        job.future = loop.create_future()
        self._pending.append(job)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._committer(), name="maildir-commit")
        assert self._wake is not None
        self._wake.set()
        # shield: a client hanging up must not cancel a batch others wait on
        await asyncio.shield(job.future)

    def deliver_sync(
        self, message: Path, mailboxes: list[str], headers: bytes = b"", folder: str = ""
    ) -> None:
        """Blocking variant for threads and scripts (no batching)."""
        job = self._job(message, mailboxes, headers, folder)
        self._commit([job])
        if job.error is not None:
            raise job.error

    async def aclose(self) -> None:
        """Commit what is pending, then stop the committer and its threads."""
        while self._pending:
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._pool.shutdown(wait=True)

    def recover(self) -> int:
        """:func:`recover_copies` under this delivery's Maildirs."""
        return recover_copies(self.paths.maildirs, fsync=self.fsync)

    def status(self) -> DeliveryStatus:
        """Counters for the control socket."""
        return {"delivered": self.delivered, "batches": self.batches, "pending": len(self._pending)}

    def _job(
        self, message: Path, mailboxes: list[str], headers: bytes, folder: str, unseen: bool = False
    ) -> _Job:
        copies = [
            _Copy(maildir_path(self.paths, box, folder), seen=bool(folder) and not unseen)
            for box in dict.fromkeys(mailboxes)
        ]
        return _Job(message, headers, copies)

    async def _committer(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            try:
                await loop.run_in_executor(None, self._commit, batch)
            except Exception as err:  # handed to every waiter of the batch
                for job in batch:
                    job.error = job.error or err
            for job in batch:
                assert job.future is not None
                if job.future.done():
                    continue
                if job.error is None:
                    job.future.set_result(None)
                else:
                    job.future.set_exception(job.error)

    def _commit(self, batch: list[_Job]) -> None:
        """Write, sync (files and ``tmp/`` directories), then publish a batch (in a thread)."""
        self.batches += 1
        for job in batch:
            self._write(job)
        live = [job for job in batch if job.error is None]
        if self.fsync:
            # files first: their commit carries the new names in tmp/ too, so on
            # ext4 the directory fsyncs that follow find nothing left to commit
            fds = [fd for job in live for fd in job.fds]
            file_errors = iter(self._parallel([functools.partial(os.fsync, fd) for fd in fds]))
            tmp_dirs = sorted({copy.maildir / "tmp" for job in live for copy in job.copies})
            dir_errors = self._parallel([functools.partial(fsync_file, d) for d in tmp_dirs])
            dir_error = next(filter(None, dir_errors), None)
            for job in live:
                for _ in job.fds:
                    file_error = next(file_errors)
                    job.error = job.error or file_error or dir_error
        for job in batch:
            for fd in job.fds:
                os.close(fd)
            job.fds.clear()
        for job in batch:
            if job.error is None:
                try:
                    for copy in job.copies:
                        assert copy.tmp is not None and copy.final is not None
                        os.rename(copy.tmp, copy.final)
                except OSError as err:
                    job.error = err
            if job.error is not None:
                self._discard(job)  # copies left in tmp/ (renamed ones stay: a duplicate)
        self.delivered += sum(len(j.copies) for j in batch if j.error is None)

    def _parallel(self, calls: Sequence[Callable[[], None]]) -> list[OSError | None]:
        """Run ``calls`` in the pool; one error (or None) per call."""

        def run(call: Callable[[], None]) -> OSError | None:
            try:
                call()
            except OSError as err:
                return err
            return None

        return list(self._pool.map(run, calls)) if len(calls) > 1 else [run(c) for c in calls]

    def _write(self, job: _Job) -> None:
        try:
            size = len(job.headers) + job.message.stat().st_size
            for copy in job.copies:
                if copy.maildir not in self._known:
                    self._known.add(maildir.make_maildir(copy.maildir))
                name = maildir.unique_name(size)
                copy.tmp = copy.maildir / "tmp" / name
                copy.final = _final_path(copy.maildir, name, copy.seen)
                try:
                    fd = os.open(copy.tmp, _CREATE, _WRITING)
                except FileNotFoundError:  # Maildir removed since: create it again
                    self._known.discard(copy.maildir)
                    maildir.make_maildir(copy.maildir)
                    fd = os.open(copy.tmp, _CREATE, _WRITING)
                job.fds.append(fd)
                _copy_into(fd, job.headers, job.message)
                os.fchmod(fd, _COMPLETE)  # recover() publishes only complete copies
        except OSError as err:
            job.error = err

    @staticmethod
    def _discard(job: _Job) -> None:
        for copy in job.copies:
            if copy.tmp is not None:
                copy.tmp.unlink(missing_ok=True)


def _final_path(box: Path, name: str, seen: bool) -> Path:
    """Where a copy named ``name`` in ``box/tmp`` is published."""
    return box / "cur" / maildir.with_flags(name, _SEEN) if seen else box / "new" / name


def recover_copies(maildirs: Path, *, fsync: bool = True) -> int:
    """Publish the complete copies a crash left in ``tmp/``; how many (before serving).

    A copy is in ``tmp/`` after a crash when the rename that follows its
    fsync was lost; it may have been acknowledged, so it is delivered.
    """
    found: dict[Path, Path] = {}
    for tmp in maildirs.glob("*/*/tmp"):
        found |= _complete_copies(tmp.parent, seen=False)
        for folder in tmp.parent.glob(".*/tmp"):
            found |= _complete_copies(folder.parent, seen=True)
    for source, final in found.items():
        os.rename(source, final)
    if fsync:
        for directory in sorted({final.parent for final in found.values()}):
            fsync_file(directory)
    return len(found)


def _complete_copies(box: Path, *, seen: bool) -> dict[Path, Path]:
    """The complete copies in ``box/tmp`` (see the module), each with its final path."""
    found = {}
    with os.scandir(box / "tmp") as entries:
        for entry in entries:
            expected = maildir.sizes(entry.name).size
            if expected is None:
                continue  # not a delivery copy (an IMAP APPEND in progress...)
            st = entry.stat(follow_symlinks=False)
            whole = stat.S_IMODE(st.st_mode) == _COMPLETE and st.st_size == expected
            if whole and stat.S_ISREG(st.st_mode):
                found[Path(entry.path)] = _final_path(box, entry.name, seen)
    return found


def _copy_into(fd: int, headers: bytes, message: Path) -> None:
    """Write ``headers`` then the file ``message`` to ``fd`` (kernel copy when possible)."""
    view = memoryview(headers)
    while view:
        view = view[os.write(fd, view) :]
    with open(message, "rb") as src:
        try:
            while os.copy_file_range(src.fileno(), fd, _COPY_CHUNK):
                pass
        except OSError:  # e.g. across file systems on old kernels: plain copy
            with open(fd, "wb", closefd=False) as dst:
                shutil.copyfileobj(src, dst, _COPY_CHUNK)
