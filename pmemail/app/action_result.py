"""What a one-click action (dashboard, wizard) reports back: a result or one error line."""

from __future__ import annotations

from dataclasses import dataclass, field


class ActionError(Exception):
    """An action failed; the message is one line for the admin."""


@dataclass(frozen=True)
class ActionResult:
    """What an action did: a headline and optional detail lines."""

    message: str
    details: list[str] = field(default_factory=list)
    ok: bool = True  # False: it ran, but not everything worked (e.g. some ports refused)
