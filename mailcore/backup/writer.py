"""Make one backup (full or incremental) atomically, then apply the retention.

The backup is written under a hidden ``.NAME.partial`` directory, its
archive and manifest fsynced, and only then renamed to ``NAME``: a crash or
a full disk leaves the complete backups as they were and no directory that
looks complete. An incremental backup stores only the files whose size or
mtime changed since the previous backup (a Maildir file renamed for a flag
change keeps both, so it is matched by its unique name), and the SQLite
snapshots whose hash changed; its manifest still lists every file.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import os
import shutil
import tarfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from mailcore import maildir
from mailcore.backup.archive import Compression, archive_name, write_stream
from mailcore.backup.errors import BackupError
from mailcore.backup.manifest import MANIFEST, Entry, Kind, Manifest, complete_backups, load
from mailcore.backup.sources import Source, data_sources, open_message, snapshot_sqlite
from pmemail.fsutil import atomic_write_json, fsync_dir, make_private_dir

_FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
ConfigCopy = Path | tuple[str, bytes, int]
"""The config file to save: its path, or (name, content, mtime_ns) read beforehand."""


@dataclass(frozen=True)
class BackupSettings:
    """How backups are made (``[backup]`` in the config)."""

    dest: Path
    compression: Compression = "gzip"
    recipients: Sequence[str] = ()
    keep: int = 7
    full_every: int = 7


@dataclass
class BackupOutcome:
    """A backup that is complete on disk."""

    manifest: Manifest
    path: Path
    stored_files: int
    removed: list[str] = field(default_factory=list)


class _Hashing:
    """A reader that hashes what tarfile copies."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.sha.update(data)
        return data


def _key(path: str) -> str:
    """Messages are matched by folder and unique name (a flag change renames them)."""
    head, _, name = path.rpartition("/")
    folder, _, sub = head.rpartition("/")
    if sub in ("cur", "new"):
        return f"{folder}/@{maildir.base_of(name)}"
    return path


@contextmanager
def _dest_lock(dest: Path) -> Iterator[None]:
    fd = os.open(dest / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("error.busy", dest=str(dest)) from None
        yield
    finally:
        os.close(fd)


def _previous(dest: Path) -> tuple[Manifest | None, int]:
    """The last complete backup's manifest and how many incrementals follow its full."""
    backups = complete_backups(dest)
    if not backups:
        return None, 0
    try:
        last = load(backups[-1])
    except (OSError, ValueError, KeyError, TypeError):
        return None, 0  # unreadable: start a new full chain rather than trust it
    chain = 0
    for b in reversed(backups):
        if b.name.endswith("-full"):
            break
        chain += 1
    return last, chain


def _name(dest: Path, kind: Kind, now: float) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    suffix = "full" if kind == "full" else "incr"
    name, n = f"{stamp}-{suffix}", 1
    while (dest / name).exists():
        n += 1
        name = f"{stamp}.{n}-{suffix}"
    return name


class _Builder:
    def __init__(self, name: str, previous: Manifest | None, tar: tarfile.TarFile) -> None:
        self.name = name
        self.tar = tar
        self.entries: list[Entry] = []
        self.stored = 0
        self.known = {_key(e.path): e for e in previous.entries} if previous else {}

    def _reuse(self, path: str, st: os.stat_result) -> bool:
        old = self.known.get(_key(path))
        if old is None or old.size != st.st_size or old.mtime_ns != st.st_mtime_ns:
            return False
        self.entries.append(
            Entry(
                path,
                old.size,
                old.mtime_ns,
                st.st_mode & 0o7777,
                old.sha256,
                old.source,
                old.member,
            )
        )
        return True

    def _store(self, path: str, f: BinaryIO, size: int, mtime_ns: int, mode: int) -> None:
        info = tarfile.TarInfo(path)
        info.size, info.mtime, info.mode = size, mtime_ns // 1_000_000_000, mode & 0o7777
        reader = _Hashing(f)
        self.tar.addfile(info, reader)
        digest = reader.sha.hexdigest()
        self.entries.append(Entry(path, size, mtime_ns, info.mode, digest, self.name, path))
        self.stored += 1

    def add_file(self, source: Source) -> None:
        opened: tuple[BinaryIO, Path] | None
        if source.kind == "message":
            opened = open_message(source.file)
        else:
            try:
                opened = open(source.file, "rb"), source.file  # noqa: SIM115 (closed below)
            except FileNotFoundError:
                opened = None  # removed meanwhile (a sent queue entry): not in this snapshot
        if opened is None:
            return
        f, file = opened
        path = source.path
        if file != source.file:  # renamed while we looked: save it under its new name
            path = f"{source.path.rsplit('/', 2)[0]}/{file.parent.name}/{file.name}"
        with f:
            st = os.fstat(f.fileno())
            if not self._reuse(path, st):
                self._store(path, f, st.st_size, st.st_mtime_ns, st.st_mode)

    def add_config(self, config: ConfigCopy) -> None:
        """The config file, read now or (``serve``, after dropping root) at start-up."""
        if isinstance(config, Path):
            if config.is_file():
                self.add_file(Source(f"config/{config.name}", config, "file"))
            return
        name, data, mtime_ns = config
        path = f"config/{name}"
        old = self.known.get(path)
        digest = hashlib.sha256(data).hexdigest()
        if old is not None and old.sha256 == digest:
            self.entries.append(
                Entry(path, old.size, old.mtime_ns, old.mode, digest, old.source, old.member)
            )
        else:
            self._store(path, io.BytesIO(data), len(data), mtime_ns, 0o600)

    def add_sqlite(self, source: Source, scratch: Path) -> None:
        copy = scratch / "snapshot.sqlite"
        snapshot_sqlite(source.file, copy)
        st = os.stat(source.file)
        with open(copy, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
            old = self.known.get(source.path)
            if old is not None and old.sha256 == digest:
                self.entries.append(
                    Entry(
                        source.path,
                        old.size,
                        old.mtime_ns,
                        old.mode,
                        digest,
                        old.source,
                        old.member,
                    )
                )
            else:
                f.seek(0)
                size = os.fstat(f.fileno()).st_size
                self._store(source.path, f, size, st.st_mtime_ns, st.st_mode)
        copy.unlink()


def make_backup(
    root: Path, config_file: ConfigCopy | None, settings: BackupSettings, *, full: bool = False
) -> BackupOutcome:
    """Back up data dir ``root`` (and ``config_file``) into ``settings.dest``.

    Raises:
        BackupError: ``error.disk_full`` (the previous backups are intact),
            ``error.write_failed``, ``error.busy`` (another backup is running),
            ``error.no_age``/``error.age_failed`` (encryption).
    """
    dest = settings.dest
    try:
        make_private_dir(dest)
    except OSError as err:
        raise BackupError("error.write_failed", dest=str(dest), reason=str(err)) from err
    with _dest_lock(dest):
        return _make(root, config_file, settings, full)


def _make(
    root: Path, config_file: ConfigCopy | None, settings: BackupSettings, full: bool
) -> BackupOutcome:
    dest = settings.dest
    for stale in dest.glob(".*.partial"):  # left by a crash; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    previous, chain = _previous(dest)
    encrypted = bool(settings.recipients)
    if previous is not None and (
        full or chain + 1 >= settings.full_every or previous.encrypted != encrypted
    ):
        previous = None
    kind: Kind = "incremental" if previous is not None else "full"
    now = time.time()
    name = _name(dest, kind, now)
    partial = dest / f".{name}.partial"
    archive = archive_name(settings.compression, encrypted)
    last = complete_backups(dest)
    try:
        make_private_dir(partial)
        scratch = make_private_dir(partial / ".scratch")
        with write_stream(partial / archive, settings.compression, settings.recipients) as tar:
            builder = _Builder(name, previous, tar)
            if config_file is not None:
                builder.add_config(config_file)
            sources, dirs = data_sources(root, exclude=(dest,))
            for source in sources:
                if source.kind == "sqlite":
                    builder.add_sqlite(source, scratch)
                else:
                    builder.add_file(source)
        scratch.rmdir()
        manifest = Manifest(
            name,
            kind,
            now,
            settings.compression,
            archive,
            encrypted,
            (partial / archive).stat().st_size,
            builder.entries,
            dirs,
        )
        atomic_write_json(partial / MANIFEST, manifest.to_json())
        fsync_dir(partial)
        os.rename(partial, dest / name)
        fsync_dir(dest)
    except BaseException as err:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(err, OSError):
            previous_name = last[-1].name if last else ""
            if err.errno in _FULL_DISK:
                raise BackupError(
                    "error.disk_full", dest=str(dest), previous=previous_name or "-"
                ) from err
            raise BackupError("error.write_failed", dest=str(dest), reason=str(err)) from err
        raise
    outcome = BackupOutcome(manifest, dest / name, builder.stored)
    outcome.removed = apply_retention(dest, settings.keep)
    return outcome


def apply_retention(dest: Path, keep: int) -> list[str]:
    """Remove backups beyond the ``keep`` newest, except those a kept one reads from."""
    backups = complete_backups(dest)
    kept = backups[-keep:] if keep > 0 else backups
    needed = {b.name for b in kept}
    for b in kept:
        try:
            needed |= load(b).sources
        except (OSError, ValueError, KeyError, TypeError):
            return []  # a manifest we cannot read: remove nothing rather than guess
    removed = [b.name for b in backups if b.name not in needed]
    for name in removed:
        shutil.rmtree(dest / name)
    if removed:
        fsync_dir(dest)
    return removed
