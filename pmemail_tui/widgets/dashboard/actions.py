"""The dashboard's one-click actions, known by a stable name.

The screen dispatches, tracks the busy action and matches results by this
name; the translated label is only what the admin reads.
"""

from __future__ import annotations

from enum import Enum

from pmemail_tui.i18n import t


class DashAction(Enum):
    """One action of the dashboard; the value is its key in ``dash.action.*``."""

    START = "start"
    STOP = "stop"
    RESTART = "restart"
    FORWARD = "forward"
    UNMAP = "unmap"
    CHECKS = "checks"
    RETRY = "retry"
    RENEW = "renew"
    USERS = "users"
    RESTART_SERVICE = "restart_service"

    @property
    def label(self) -> str:
        """The action's name in the current language."""
        return t(f"dash.action.{self.value}")

    @property
    def changes_network(self) -> bool:
        """Whether the network facts are worth reading again once it finished."""
        return self in (DashAction.FORWARD, DashAction.UNMAP, DashAction.CHECKS)
