"""Use cases of ``pmemail backup`` and ``pmemail restore`` (and the dashboard's figures).

The storage work is ``mailcore.backup``; here: the settings read from the
config, the result recorded for ``status``/doctor, the refusal to restore
under a running server, the restored config put in place, and the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailcore.backup.errors import BackupError
from mailcore.backup.restore import RestoreOutcome, read_config, restore
from mailcore.backup.service import backup_dir, backup_status, settings_of
from mailcore.backup.state import read_state, record_failure, record_success
from mailcore.backup.writer import BackupOutcome, make_backup
from mailcore.status import BackupStatus
from pmemail.app.backup_texts import TEXTS
from pmemail.app.cert_wording import render
from pmemail.app.server_process import server_pid
from pmemail.config import load_config
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import atomic_write_bytes, make_private_dir


def say(msgid: str, language: str, **values: object) -> str:
    """Sentence ``msgid`` of the backup catalogue in ``language``, filled."""
    return render(TEXTS, msgid, language, **values)


def error_text(err: BackupError, language: str) -> str:
    """A backup failure in words."""
    return say(err.msgid, language, **err.params)


def run_backup(
    config: Config,
    config_path: Path | None,
    paths: DataPaths,
    to: Path | None = None,
    *,
    full: bool = False,
) -> BackupOutcome:
    """Make one backup and record its result in ``data_dir/state``.

    Raises:
        BackupError: nothing was kept (see :mod:`mailcore.backup.writer`).
    """
    chosen = settings_of(config, paths, to)
    try:
        outcome = make_backup(paths.root, config_path, chosen, full=full)
    except BackupError as err:
        record_failure(paths.state, err.msgid, err.params)
        raise
    m = outcome.manifest
    record_success(paths.state, m.name, m.kind, m.archive_size, m.total_size, chosen.dest)
    return outcome


def run_restore(
    config_path: Path, source: Path, identity: Path | None = None, *, force: bool = False
) -> RestoreOutcome:
    """Restore ``source`` onto the data dir of ``config_path``.

    A missing config file is first taken from the backup (so its ``data_dir``
    says where the data goes); an existing one is kept and the backed-up one
    is written beside it as ``.from-backup``.

    Raises:
        BackupError: a running server, a non-empty data dir without ``force``,
            a missing or damaged backup, a failed write.
        ConfigError: the (restored) config file is not valid.
    """
    written: Path | None = None
    if not config_path.exists():
        found = read_config(source, identity)
        if found is not None:
            make_private_dir(config_path.parent)
            atomic_write_bytes(config_path, found[1], 0o600)
            written = config_path
    config = load_config(config_path)
    paths = DataPaths.from_config(config, config_path)
    pid = server_pid(paths)
    if pid is not None:
        raise BackupError("error.server_running", path=str(paths.root), pid=pid)
    outcome = restore(source, paths.root, None if written else config_path, identity, force=force)
    if written is not None:
        outcome.config_written = written
    return outcome


def backup_json(outcome: BackupOutcome) -> dict[str, object]:
    """The ``pmemail backup --json`` document of a complete backup."""
    m = outcome.manifest
    return {
        "ok": True,
        "name": m.name,
        "kind": m.kind,
        "path": str(outcome.path),
        "files": len(m.entries),
        "stored_files": outcome.stored_files,
        "archive_size": m.archive_size,
        "total_size": m.total_size,
        "compression": m.compression,
        "encrypted": m.encrypted,
        "removed": outcome.removed,
    }


def restore_json(outcome: RestoreOutcome) -> dict[str, object]:
    """The ``pmemail restore --json`` document of a complete restore."""
    return {
        "ok": True,
        "backup": str(outcome.backup),
        "data_dir": str(outcome.data_dir),
        "files": outcome.files,
        "config_written": str(outcome.config_written) if outcome.config_written else None,
        "moved_aside": str(outcome.moved_aside) if outcome.moved_aside else None,
    }


@dataclass(frozen=True)
class BackupFacts:
    """What the dashboard shows of backups: the status document's ``backup`` key and the
    parameters of the last failure (the key holds only its message id)."""

    status: BackupStatus
    error_params: dict[str, str] = field(default_factory=dict)

    def error_words(self, language: str) -> str:
        """The last attempt's failure in words ("" when the last attempt succeeded)."""
        msgid = self.status.get("last_error", "")
        if msgid not in TEXTS:  # a newer server's id: shown as is rather than lost
            return msgid
        return say(msgid, language, **self.error_params)


def backup_facts(config: Config, paths: DataPaths, served: BackupStatus | None) -> BackupFacts:
    """The running server's ``backup`` status (``served``), else the recorded result.

    Without a server there is no next run: ``next_run`` is None. A small
    file read, cheap enough for every dashboard refresh.
    """
    state = read_state(paths.state)
    if served is None:
        served = backup_status(state, config.backup.interval, backup_dir(config, paths), None)
    return BackupFacts(served, dict(state.last_error_params))
