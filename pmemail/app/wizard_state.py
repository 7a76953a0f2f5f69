"""The setup wizard's progress, saved after every step so a restart resumes there.

Pure data and file I/O: the TUI renders it, scripts and tests can read it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STEPS: tuple[str, ...] = (
    "welcome",
    "network",
    "checks",
    "domain",
    "ports",
    "forward",
    "outbound",
    "users",
    "launch",
    "summary",
)
STATE_FILE = "wizard.json"


@dataclass
class WizardState:
    """Where the admin is in the wizard and what they answered."""

    step: str = "welcome"
    language: str = ""  # "" = not chosen yet: config.language applies
    completed: list[str] = field(default_factory=list)
    finished: bool = False
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def index(self) -> int:
        """Position of the current step (0-based)."""
        return STEPS.index(self.step) if self.step in STEPS else 0

    def complete(self, step: str) -> None:
        """Mark ``step`` done and move to the one after it."""
        if step not in self.completed:
            self.completed.append(step)
        position = STEPS.index(step)
        if position + 1 < len(STEPS):
            self.step = STEPS[position + 1]
        else:
            self.finished = True

    def back(self) -> None:
        """Go one step back (stays on the first)."""
        self.step = STEPS[max(0, self.index - 1)]


def state_path(state_dir: Path) -> Path:
    """The wizard's state file inside DataPaths.state."""
    return state_dir / STATE_FILE


def load_state(state_dir: Path) -> WizardState:
    """The saved state, or a fresh one if none (or an unreadable one) exists."""
    try:
        data = json.loads(state_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return WizardState()
    if not isinstance(data, dict):
        return WizardState()
    known = {k: v for k, v in data.items() if k in WizardState.__dataclass_fields__}
    try:
        state = WizardState(**known)
    except TypeError:
        return WizardState()
    if state.step not in STEPS:
        state.step = "welcome"
    return state


def save_state(state_dir: Path, state: WizardState) -> None:
    """Write the state atomically (tmp + fsync + rename)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_path(state_dir)
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(asdict(state), f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
