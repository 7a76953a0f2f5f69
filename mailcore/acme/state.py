"""The renewal's memory between runs: last attempt, outcome, next attempt, back-off.

Kept in ``DataPaths.acme_state`` (JSON, 0600) so a restart never forgets a
back-off or a CA's rate limit: that is what keeps pmemail from a retry storm.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mailcore.status import AfterRenewOutcome, CertificateFailure
from pmemail.fsutil import atomic_write_json, make_private_dir


@dataclass
class RenewalState:
    """What the last attempts did; every time is epoch seconds."""

    last_attempt: float | None = None
    last_success: float | None = None
    next_attempt: float | None = None
    """No attempt before this (back-off or the CA's Retry-After); None = when due."""
    failures: int = 0
    """Consecutive failed attempts: the back-off doubles with each."""
    last_failure: CertificateFailure | None = None
    names: list[str] = field(default_factory=list)
    """The names of the last certificate obtained (a new name means a new order)."""
    after_renew: AfterRenewOutcome | None = None
    """How ``acme.after_renew`` went after the last new certificate (None: not run)."""

    @classmethod
    def load(cls, path: Path) -> RenewalState:
        """The saved state; a missing or unreadable file is a fresh state."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        state = cls()
        for key in ("last_attempt", "last_success", "next_attempt"):
            value = data.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                setattr(state, key, float(value))
        failures = data.get("failures")
        state.failures = failures if isinstance(failures, int) and failures >= 0 else 0
        failure = data.get("last_failure")
        if isinstance(failure, dict) and isinstance(failure.get("code"), str):
            params = failure.get("params")
            state.last_failure = {
                "code": failure["code"],
                "params": {str(k): str(v) for k, v in params.items()}
                if isinstance(params, dict)
                else {},
            }
        names = data.get("names")
        if isinstance(names, list):
            state.names = [str(n) for n in names]
        state.after_renew = _after_renew(data.get("after_renew"))
        return state

    def save(self, path: Path) -> None:
        """Write atomically and durably, mode 0600 (its folder 0700)."""
        make_private_dir(path.parent)
        atomic_write_json(path, asdict(self))


def _after_renew(value: object) -> AfterRenewOutcome | None:
    """The saved ``after_renew`` outcome; anything malformed is none."""
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        return None
    at, params = value.get("at"), value.get("params")
    return {
        "at": float(at) if isinstance(at, int | float) and not isinstance(at, bool) else 0.0,
        "code": value["code"],
        "params": {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {},
    }
