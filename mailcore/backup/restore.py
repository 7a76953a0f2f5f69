"""Rebuild a data dir (and the config file) from a backup chain.

Files are extracted into a hidden ``.NAME.restoring`` directory beside the
target, each checked against its SHA-256 and given back its mode and mtime,
and the whole tree is renamed into place only once every file is there: a
failed restore leaves the target as it was. A data dir that is not empty is
replaced only when forced, and then moved aside (``NAME.before-restore-...``),
never deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from mailcore.backup.archive import read_stream
from mailcore.backup.errors import BackupError
from mailcore.backup.manifest import MANIFEST, Entry, Manifest, complete_backups, load
from pmemail.fsutil import atomic_write_bytes, fsync_dir, fsync_file, make_private_dir


@dataclass
class RestoreOutcome:
    """A restore that completed."""

    backup: Path
    data_dir: Path
    files: int
    config_written: Path | None
    moved_aside: Path | None


def find_backup(source: Path) -> Path:
    """``source`` itself when it is a backup, else the newest complete backup in it."""
    if (source / MANIFEST).is_file():
        return source
    backups = complete_backups(source)
    if not backups:
        raise BackupError("error.no_backup", path=str(source))
    return backups[-1]


def _load(backup: Path) -> Manifest:
    try:
        return load(backup)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BackupError("error.unreadable", path=str(backup), reason=str(err)) from err


def is_empty_dir(path: Path) -> bool:
    """True when ``path`` does not exist or holds nothing."""
    try:
        return not any(path.iterdir())
    except FileNotFoundError:
        return True


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, entry: Entry, target: Path) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError("error.corrupt", path=entry.path)
    make_private_dir(target.parent)
    sha = hashlib.sha256()
    with source, open(target, "xb") as out:
        while chunk := source.read(1 << 20):
            sha.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if sha.hexdigest() != entry.sha256:
        raise BackupError("error.corrupt", path=entry.path)
    os.chmod(target, entry.mode & 0o7777)
    os.utime(target, ns=(entry.mtime_ns, entry.mtime_ns))


def _extract_all(
    manifest: Manifest, dest: Path, staging: Path, identity: Path | None
) -> dict[str, Path]:
    """Every entry under ``staging`` (its ``path`` as relative name); returns them."""
    wanted: dict[str, dict[str, list[Entry]]] = {}
    for e in manifest.entries:
        wanted.setdefault(e.source, {}).setdefault(e.member, []).append(e)
    written: dict[str, Path] = {}
    for name, members in wanted.items():
        source = _load(dest / name) if name != manifest.name else manifest
        with read_stream(dest / name / source.archive, source.compression, identity) as tar:
            for member in tar:
                for entry in members.pop(member.name, []):
                    target = staging / entry.path
                    _extract(tar, member, entry, target)
                    written[entry.path] = target
                if not members:
                    break
        if members:
            missing = next(iter(members))
            raise BackupError("error.missing", path=missing, backup=name)
    return written


def restore(
    source: Path,
    data_dir: Path,
    config_file: Path | None,
    identity: Path | None = None,
    *,
    force: bool = False,
) -> RestoreOutcome:
    """Restore the backup ``source`` (or the newest one in it) onto ``data_dir``.

    The backed-up config is written to ``config_file`` when that does not
    exist yet, else beside it as ``<name>.from-backup`` (the new machine's
    own file is kept).

    Raises:
        BackupError: ``error.not_empty`` (without ``force``), ``error.no_backup``,
            ``error.unreadable``, ``error.missing``, ``error.corrupt``, ``error.write_failed``.
    """
    backup = find_backup(source)
    manifest = _load(backup)
    if not force and not is_empty_dir(data_dir):
        raise BackupError("error.not_empty", path=str(data_dir))
    staging = data_dir.with_name(f".{data_dir.name}.restoring")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        make_private_dir(staging)
        written = _extract_all(manifest, backup.parent, staging, identity)
        for d in manifest.dirs:
            make_private_dir(staging / d)
        configs = [p for rel, p in written.items() if rel.startswith("config/")]
        config_written = _place_config(configs[0], config_file) if configs else None
        if configs:
            shutil.rmtree(staging / "config")
        moved_aside = _swap(staging / "data", data_dir)
    except OSError as err:
        raise BackupError("error.write_failed", dest=str(data_dir), reason=str(err)) from err
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sum(1 for rel in written if rel.startswith("data/"))
    return RestoreOutcome(backup, data_dir, files, config_written, moved_aside)


def _place_config(restored: Path, config_file: Path | None) -> Path | None:
    if config_file is None:
        return None
    target = (
        config_file
        if not config_file.exists()
        else config_file.with_name(config_file.name + ".from-backup")
    )
    make_private_dir(target.parent)
    atomic_write_bytes(target, restored.read_bytes(), 0o600)
    return target


def _swap(tree: Path, data_dir: Path) -> Path | None:
    """Put ``tree`` at ``data_dir``; a non-empty ``data_dir`` is moved aside first."""
    make_private_dir(tree)
    make_private_dir(data_dir.parent)
    aside = None
    if data_dir.exists():
        if is_empty_dir(data_dir):
            data_dir.rmdir()
        else:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            aside = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}")
            os.rename(data_dir, aside)
    os.rename(tree, data_dir)
    fsync_dir(data_dir.parent)
    fsync_file(data_dir)
    return aside


def read_config(source: Path, identity: Path | None = None) -> tuple[str, bytes] | None:
    """The config file saved in backup ``source`` (or the newest one in it): (name, bytes)."""
    backup = find_backup(source)
    manifest = _load(backup)
    entry = next((e for e in manifest.entries if e.path.startswith("config/")), None)
    if entry is None:
        return None
    holder = _load(backup.parent / entry.source) if entry.source != manifest.name else manifest
    path = backup.parent / entry.source / holder.archive
    with read_stream(path, holder.compression, identity) as tar:
        for member in tar:
            if member.name == entry.member:
                f = tar.extractfile(member)
                data = f.read() if f is not None else b""
                if hashlib.sha256(data).hexdigest() != entry.sha256:
                    raise BackupError("error.corrupt", path=entry.path)
                return entry.path.split("/", 1)[1], data
    raise BackupError("error.missing", path=entry.path, backup=entry.source)
