"""What the updater sent, what came back and when it may try again: ``state/dyndns.json``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmemail.fsutil import atomic_write_json

FILE_NAME = "dyndns.json"


@dataclass
class DyndnsState:
    """The updater's memory, kept across restarts (times are epoch seconds).

    Attributes:
        sent_address: the address the provider last accepted (good / nochg).
        last_answer: the last answer code ("" none yet; see ``protocol.Answer``).
        last_attempt: when the last request was made.
        last_success: when the provider last accepted an address.
        next_try: no request before this (the back-off), 0 = any time.
        failures: failed requests in a row.
        stopped: the provider refused the settings; nothing is sent until they change.
        settings: ``DyndnsSettings.fingerprint()`` the answers above apply to.
        last_error: the last network failure, one line ("" after an answer).
    """

    sent_address: str = ""
    last_answer: str = ""
    last_attempt: float | None = None
    last_success: float | None = None
    next_try: float = 0.0
    failures: int = 0
    stopped: bool = False
    settings: str = ""
    last_error: str = ""

    @classmethod
    def load(cls, path: Path) -> DyndnsState:
        """The saved state; a fresh one when the file is missing or unreadable."""
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        fresh = cls()
        kept: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            default = getattr(fresh, f.name)
            value = data.get(f.name, default)
            # a hand-edited or older file cannot break serve: a wrong type is the default
            kept[f.name] = value if _fits(value, default) else default
        return cls(**kept)

    def save(self, path: Path) -> None:
        """Write atomically (0600, in the state dir)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, dataclasses.asdict(self))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``pmemail status --json`` ``dyndns`` key's state part)."""
        out = dataclasses.asdict(self)
        del out["settings"]  # an internal fingerprint, of no use to a reader
        return out


def _fits(value: Any, default: Any) -> bool:
    """``value`` has the type of the field whose default is ``default``."""
    if isinstance(value, bool) or isinstance(default, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if default is None or isinstance(default, float):  # times: None or a number
        return isinstance(value, int | float) or (default is None and value is None)
    return type(value) is type(default)
