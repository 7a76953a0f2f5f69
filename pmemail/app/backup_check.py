"""The doctor's row on backups: a warning when the last success is older than two periods.

Only when ``serve`` schedules backups (``backup.interval`` > 0): without a
schedule there is no period to be late against. The facts come from
``data_dir/state/backup.json`` (written by every backup, scheduled or not).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mailcore.backup.service import backup_dir
from mailcore.backup.state import BackupState, read_state
from pmemail.app.backup_actions import say
from pmemail.app.formatting import duration, size
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.checks.table import CheckRow, Shared

CHECK_ID = "backup"


def judge_backup(
    state: BackupState, interval: float, dest: str, now: float, language: str
) -> CheckResult:
    """ok while the last success is at most two periods old, else warn (with the last error)."""
    from netcore.checks.result import CheckResult

    title = say("check.title", language)
    details = {**state.to_json(), "interval": interval}
    period = duration(interval, language)
    last = state.last_success
    if last is not None and now - last <= 2 * interval:
        finding = say(
            "check.ok",
            language,
            ago=duration(now - last, language),
            name=state.last_name,
            size=size(state.last_size, language),
            dest=state.dest or dest,
        )
        return CheckResult(CHECK_ID, title, "ok", finding, details)
    if last is None:
        finding = say("check.never", language, period=period)
    else:
        finding = say(
            "check.stale",
            language,
            ago=duration(now - last, language),
            period=period,
            name=state.last_name,
        )
    if state.last_error and (state.last_failure or 0) > (last or 0):
        error = say(state.last_error, language, **state.last_error_params)
        finding += "; " + say("check.last_failed", language, error=error)
    advice = say("check.advice", language, dest=dest)
    return CheckResult(CHECK_ID, title, "warn", finding, details, advice)


def backup_rows(config: Config, paths: DataPaths) -> list[CheckRow]:
    """The doctor's ``backup`` row (none when backups are not scheduled)."""
    from netcore.checks.table import CheckRow

    interval = config.backup.interval
    if interval <= 0:
        return []
    dest = str(backup_dir(config, paths))

    async def run(shared: Shared) -> CheckResult:
        state = read_state(paths.state)
        return judge_backup(state, interval, dest, time.time(), config.language)

    return [CheckRow(CHECK_ID, say("check.title", config.language), run)]
