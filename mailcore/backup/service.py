"""The ``backup`` service of ``pmemail serve``: a backup every ``backup.interval`` seconds.

A backup is due ``interval`` seconds after the last success (at the start
when there was none), so a restart loop does not back up each time; a
failure is retried after a tenth of the interval (a full disk stays full for
a while). The work runs in a thread:
mail keeps flowing. Its status is the last result (from ``data_dir/state``,
so a ``pmemail backup`` run by hand shows too) and the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

from mailcore.backup.errors import BackupError
from mailcore.backup.state import BackupState, read_state, record_failure, record_success
from mailcore.backup.writer import BackupSettings, ConfigCopy, make_backup
from mailcore.periodic import PeriodicTask
from mailcore.status import BackupStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger(__name__)


def backup_dir(config: Config, paths: DataPaths) -> Path:
    """``backup.dir``, else ``<data_dir>-backups`` beside the data dir."""
    if config.backup.dir:
        return Path(config.backup.dir).expanduser()
    return paths.root.with_name(paths.root.name + "-backups")


def settings_of(config: Config, paths: DataPaths, to: Path | None = None) -> BackupSettings:
    """The ``[backup]`` table as the writer's settings (``to`` overrides the directory)."""
    b = config.backup
    return BackupSettings(
        dest=to if to is not None else backup_dir(config, paths),
        compression=b.compression,
        recipients=tuple(b.age_recipients),
        keep=b.keep,
        full_every=b.full_every,
    )


def build_backup_service(
    config: Config, paths: DataPaths, config_file: Path | None
) -> BackupService:
    """The service for ``config`` (scheduling nothing when ``backup.interval`` is 0).

    The config file is read now: ``serve`` may start as root and drop to
    ``server.user``, who need not be able to read it later.
    """
    copy: ConfigCopy | None = None
    if config_file is not None:
        try:
            copy = (config_file.name, config_file.read_bytes(), config_file.stat().st_mtime_ns)
        except OSError:
            copy = config_file  # read (or reported missing) at each backup
    return BackupService(
        paths.root, copy, paths.state, settings_of(config, paths), config.backup.interval
    )


class BackupService:
    """Scheduled backups (a service with nothing to listen on)."""

    name = "backup"

    def __init__(
        self,
        root: Path,
        config_file: ConfigCopy | None,
        state_dir: Path,
        settings: BackupSettings,
        interval: float,
    ) -> None:
        """Back up ``root`` (and ``config_file``) with ``settings`` every ``interval`` s."""
        self.root, self.config_file, self.state_dir = root, config_file, state_dir
        self.settings, self.interval = settings, interval
        self._next: float | None = None
        self._not_before = 0.0
        self._task = (
            PeriodicTask(self._tick, self._wait, "backup", on_error=self._unexpected)
            if interval > 0
            else None
        )

    def _unexpected(self, err: Exception) -> None:
        # not a BackupError (those are recorded): logged, recorded as a failed write (so
        # the next try waits a tenth of the interval, not zero), and the schedule goes on
        log.error("backup run failed unexpectedly: %s", err, exc_info=err)
        params = {"dest": str(self.settings.dest), "reason": str(err)}
        self._not_before = time.time() + self.interval / 10  # even if the record fails
        with contextlib.suppress(OSError):
            record_failure(self.state_dir, "error.write_failed", dict(params))

    def _due(self) -> float:
        state = read_state(self.state_dir)
        due = (state.last_success or 0.0) + self.interval
        if (state.last_failure or 0.0) > (state.last_success or 0.0):
            due = max(due, (state.last_failure or 0.0) + self.interval / 10)
        return max(due, self._not_before)

    def _wait(self) -> float:
        self._next = max(self._due(), time.time())
        return max(0.0, self._next - time.time())

    async def _tick(self) -> None:
        if time.time() < self._due():
            return  # woken early, or the last success was recent at start
        try:
            outcome = await asyncio.to_thread(
                make_backup, self.root, self.config_file, self.settings
            )
        except BackupError as err:
            self._not_before = time.time() + self.interval / 10
            record_failure(self.state_dir, err.msgid, err.params)
            log.error("backup failed: %s %s", err.msgid, err.params)
            return
        m = outcome.manifest
        record_success(
            self.state_dir, m.name, m.kind, m.archive_size, m.total_size, self.settings.dest
        )
        log.info("backup %s (%s) complete: %d bytes", m.name, m.kind, m.archive_size)

    async def start(self) -> None:
        """Start the schedule (nothing when ``interval`` is 0)."""
        if self._task is not None:
            self._task.start()

    async def stop(self) -> None:
        """Stop the schedule; a backup in progress is abandoned (its partial dir removed
        at the next backup)."""
        if self._task is not None:
            await self._task.stop()

    def status(self) -> BackupStatus:
        """The last result and the next run."""
        next_run = self._next if self._task is not None else None
        return backup_status(
            read_state(self.state_dir), self.interval, self.settings.dest, next_run
        )


def backup_status(
    state: BackupState, interval: float, dest: Path, next_run: float | None
) -> BackupStatus:
    """The status document's ``backup`` key from the recorded ``state``.

    Also what the dashboard shows while no server runs (``next_run`` None then).
    """
    failed_last = (state.last_failure or 0) > (state.last_success or 0)
    return {
        "interval": interval,
        "dest": str(dest),
        "last_success": state.last_success,
        "last_name": state.last_name,
        "last_size": state.last_size,
        "last_failure": state.last_failure,
        "last_error": state.last_error if failed_last else "",
        "next_run": next_run,
    }
