"""The last backup's result, for ``status --json``, the dashboard and the doctor.

One small JSON file in ``data_dir/state``: written after every attempt,
by ``pmemail backup`` and by the schedule of ``pmemail serve`` alike.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pmemail.fsutil import atomic_write_json, make_private_dir

STATE_NAME = "backup.json"


@dataclass
class BackupState:
    """What the last attempts gave (epoch seconds; None = never)."""

    last_success: float | None = None
    last_name: str = ""
    last_kind: str = ""
    last_size: int = 0  # bytes of the last archive on the backup disk
    last_total: int = 0  # bytes of the files it restores
    dest: str = ""
    last_failure: float | None = None
    last_error: str = ""  # a message id of pmemail.app.backup_texts
    last_error_params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The stored document."""
        return asdict(self)


def read_state(state_dir: Path) -> BackupState:
    """The stored state; a missing or broken file reads as "never"."""
    try:
        data = json.loads((state_dir / STATE_NAME).read_text(encoding="utf-8"))
        known = BackupState.__dataclass_fields__
        return BackupState(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError, AttributeError):
        return BackupState()


def record_success(
    state_dir: Path, name: str, kind: str, size: int, total: int, dest: Path
) -> None:
    """Remember a complete backup (the last failure stays, for the record)."""
    state = read_state(state_dir)
    state.last_success, state.last_name, state.last_kind = time.time(), name, kind
    state.last_size, state.last_total, state.dest = size, total, str(dest)
    make_private_dir(state_dir)
    atomic_write_json(state_dir / STATE_NAME, state.to_json())


def record_failure(state_dir: Path, msgid: str, params: dict[str, object]) -> None:
    """Remember a failed attempt."""
    state = read_state(state_dir)
    state.last_failure, state.last_error = time.time(), msgid
    state.last_error_params = {k: str(v) for k, v in params.items()}
    make_private_dir(state_dir)
    atomic_write_json(state_dir / STATE_NAME, state.to_json())
