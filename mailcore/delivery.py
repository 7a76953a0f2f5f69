"""Durable delivery into Maildirs, with group commit.

Every copy goes ``tmp/`` → fsync → rename into ``new/`` → fsync of the
directory, so a ``250`` is only ever sent for mail that is on disk. One fsync
per message would make the disk the bottleneck, so deliveries that arrive
while a batch is being committed wait and are committed together: the files of
a batch are written, fsynced in parallel (the ext4 journal folds concurrent
fsyncs into one commit), renamed, and each directory touched is fsynced once.

Layout: ``DataPaths.maildirs/<domain>/<localpart>/`` with Maildir++ folders
(``.Sent``, ``.Drafts``...) inside it. File names and directories (0700) come
from ``mailcore.maildir``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from mailcore import maildir
from mailcore.status import DeliveryStatus
from pmemail.config.paths import DataPaths
from pmemail.fsutil import fsync_file

_COPY_CHUNK = 1 << 20
_SEEN = frozenset({"\\Seen"})
_T = TypeVar("_T")


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
        self, message: Path, mailboxes: list[str], headers: bytes = b"", folder: str = ""
    ) -> None:
        """Copy ``headers`` + ``message`` into each mailbox; return once all are durable."""
        job = self._job(message, mailboxes, headers, folder)
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

    def status(self) -> DeliveryStatus:
        """Counters for the control socket."""
        return {"delivered": self.delivered, "batches": self.batches, "pending": len(self._pending)}

    def _job(self, message: Path, mailboxes: list[str], headers: bytes, folder: str) -> _Job:
        copies = [
            _Copy(maildir_path(self.paths, box, folder), seen=bool(folder))
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
        """Write, sync, rename and sync directories for a whole batch (in a thread)."""
        self.batches += 1
        for job in batch:
            self._write(job)
        live = [job for job in batch if job.error is None]
        if self.fsync:
            errors = iter(self._parallel(os.fsync, [fd for job in live for fd in job.fds]))
            for job in live:
                for _ in job.fds:
                    job.error = job.error or next(errors)
        for job in batch:
            for fd in job.fds:
                os.close(fd)
            job.fds.clear()
        dirs: set[Path] = set()
        for job in batch:
            if job.error is not None:
                self._discard(job)
                continue
            try:
                for copy in job.copies:
                    assert copy.tmp is not None and copy.final is not None
                    os.rename(copy.tmp, copy.final)
                    dirs.add(copy.final.parent)
            except OSError as err:
                job.error = err
        if self.fsync and dirs:
            for dir_error in self._parallel(fsync_file, sorted(dirs)):
                if dir_error is not None:
                    for job in batch:
                        job.error = job.error or dir_error
        self.delivered += sum(len(j.copies) for j in batch if j.error is None)

    def _parallel(self, fn: Callable[[_T], None], items: Sequence[_T]) -> list[OSError | None]:
        """Run ``fn`` over ``items`` in the pool; one error (or None) per item."""

        def run(item: _T) -> OSError | None:
            try:
                fn(item)
            except OSError as err:
                return err
            return None

        return list(self._pool.map(run, items)) if len(items) > 1 else [run(i) for i in items]

    def _write(self, job: _Job) -> None:
        try:
            size = len(job.headers) + job.message.stat().st_size
            for copy in job.copies:
                if copy.maildir not in self._known:
                    self._known.add(maildir.make_maildir(copy.maildir))
                name = maildir.unique_name(size)
                copy.tmp = copy.maildir / "tmp" / name
                copy.final = (
                    copy.maildir / "cur" / maildir.with_flags(name, _SEEN)
                    if copy.seen
                    else copy.maildir / "new" / name
                )
                try:
                    fd = os.open(copy.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileNotFoundError:  # Maildir removed since: create it again
                    self._known.discard(copy.maildir)
                    maildir.make_maildir(copy.maildir)
                    fd = os.open(copy.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                job.fds.append(fd)
                _copy_into(fd, job.headers, job.message)
        except OSError as err:
            job.error = err

    @staticmethod
    def _discard(job: _Job) -> None:
        for copy in job.copies:
            if copy.tmp is not None:
                copy.tmp.unlink(missing_ok=True)


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
