"""Messages the dashboard's workers post to the screen.

Snapshots arrive in bursts when refreshes pile up (a slow disk, a manual
refresh during a timer tick): ``can_replace`` lets a newer snapshot of the
same kind supersede an older one still waiting in the queue, so the screen
only ever renders the latest.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from mailcore.status import CertificateStatus
from netcore.checks.result import CheckResult
from pmemail.app.action_result import ActionResult
from pmemail.app.network_snapshot import NetworkSnapshot
from pmemail.app.status_snapshot import LocalSnapshot
from pmemail_tui.widgets.dashboard.actions import DashAction


@dataclass
class LocalUpdate(Message):
    """Fresh local facts (server, queue, log, listening ports)."""

    snapshot: LocalSnapshot

    def can_replace(self, message: Message) -> bool:
        """A newer local snapshot makes this one useless."""
        return isinstance(message, LocalUpdate)


@dataclass
class NetworkUpdate(Message):
    """Fresh network facts (router table, public address, reachability)."""

    snapshot: NetworkSnapshot

    def can_replace(self, message: Message) -> bool:
        """A newer network snapshot makes this one useless."""
        return isinstance(message, NetworkUpdate)


@dataclass
class CheckProgress(Message):
    """One doctor check finished while "re-run checks" runs."""

    result: CheckResult


@dataclass
class ActionDone(Message):
    """A one-click action finished: ``result`` on success, else ``error``."""

    action: DashAction
    result: ActionResult | None
    error: str = ""
    seconds: float = 0.0  # how long it really took, measured around the call


@dataclass
class CertificateUpdate(Message):
    """The certificate served now (None: there is none yet)."""

    status: CertificateStatus | None

    def can_replace(self, message: Message) -> bool:
        """A newer reading makes this one useless."""
        return isinstance(message, CertificateUpdate)


@dataclass
class BootServiceUpdate(Message):
    """Whether the server starts at boot: the line to show (systemd asked by a worker)."""

    text: str
    enabled: bool | None  # None: no systemd here

    def can_replace(self, message: Message) -> bool:
        """A newer answer makes this one useless."""
        return isinstance(message, BootServiceUpdate)
