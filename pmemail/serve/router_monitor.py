"""The router's port mappings, kept alive while ``pmemail serve`` runs.

A thin service around ``netcore.monitor.ForwardingMonitor``: one check at
start (a router that rebooted while the server was down gets its mappings
back at once), then one every ``network.monitor_interval`` seconds. The
checks block on UPnP/NAT-PMP round trips, so they run in a worker thread.
Only mappings that ``pmemail ports apply`` made are touched.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from mailcore.periodic import PeriodicTask
from mailcore.status import RouterStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.monitor import ForwardingMonitor

log = logging.getLogger(__name__)

EVENTS_KEPT = 20
"""How many of the monitor's last events status carries (the dashboard shows them)."""


def _event(
    msgid: str, at: float, parts: dict[str, Any] | None = None, **params: str
) -> dict[str, Any]:
    """One event as status carries it: a forwarding message id, its values, when.

    The log file keeps its English line (for support); the dashboard and
    ``pmemail status`` word this in the admin's language.
    """
    event: dict[str, Any] = {"id": msgid, "params": params, "at": at}
    if parts:
        event["parts"] = parts
    return event


class RouterMonitorService:
    """``mailcore.interfaces.Service`` running ``ForwardingMonitor.check_once``."""

    name = "router"

    def __init__(self, monitor: ForwardingMonitor, interval: float) -> None:
        """Check with ``monitor`` every ``interval`` seconds."""
        self.monitor = monitor
        self.interval = interval
        self.checks = 0
        # totals survive the next check's result, so status shows what happened
        self.restored_total = 0
        self.renewed_total = 0
        self.failed_total = 0
        self.last: dict[str, Any] | None = None
        self.last_error = ""
        self.router_address = ""
        """The public address the router reported at the last check ("" unknown)."""
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENTS_KEPT)
        """The last events (restored, renewed, failed ...), oldest first: see :func:`_event`."""
        self._periodic = PeriodicTask(self.check, lambda: self.interval, "router-monitor")

    async def start(self) -> None:
        """Start the check loop (the first check runs at once, in the background)."""
        self._periodic.start()

    async def stop(self) -> None:
        """Stop checking; mappings stay on the router (``ports remove`` deletes them)."""
        await self._periodic.stop()

    def status(self) -> RouterStatus:
        """The last check's result: restored/renewed/failed keys and the leases."""
        return {
            "checks": self.checks,
            "interval": self.interval,
            "restored": self.restored_total,
            "renewed": self.renewed_total,
            "failed": self.failed_total,
            "last_check": self.last,
            "last_error": self.last_error,
            "last_event": self.events[-1] if self.events else None,
            "events": list(self.events),
        }

    async def check(self) -> None:
        """One check; a failure is logged and shown in status, never fatal."""
        try:
            result = await asyncio.to_thread(self.monitor.check_once)
        except Exception as err:  # the mail must flow even when the router misbehaves
            self.last_error = f"{type(err).__name__}: {err}"
            log.warning("router check failed: %s", self.last_error)
            self.events.append(
                _event("fwd.monitor.check_failed", time.time(), error=self.last_error)
            )
            return
        self.checks += 1
        self.last, self.last_error = result, ""
        self.router_address = str(result.get("router_address") or "")
        self.restored_total += len(result.get("restored", []))
        self.renewed_total += len(result.get("renewed", []))
        self.failed_total += len(result.get("failed", []))
        self._record(result)

    def _record(self, result: dict[str, Any]) -> None:
        """Log one check's result (English, for support) and keep its events for status."""
        at = float(result.get("checked_at") or time.time())
        if result.get("router_rebooted"):
            log.warning("router rebooted: asking for its mappings again")
            self.events.append(_event("fwd.monitor.rebooted", at))
        for key in result.get("restored", []):
            log.warning("router had lost the mapping %s: restored", key)
            self.events.append(_event("fwd.monitor.restored", at, mapping=str(key)))
        for key in result.get("renewed", []):
            log.info("router mapping %s renewed", key)
            self.events.append(_event("fwd.monitor.renewed", at, mapping=str(key)))
        for key in result.get("refreshed", []):
            log.info("router mapping %s asked for again", key)
            self.events.append(_event("fwd.monitor.refreshed", at, mapping=str(key)))
        for failure in result.get("failed", []):
            key, message = str(failure.get("key") or ""), str(failure.get("message", ""))
            said = failure.get("msg")  # the reason as a message id, when it has one
            if not key:  # no plan (a bad address in the config): the whole check failed
                log.warning("router check failed: %s", message)
                parts = {"error": said} if isinstance(said, dict) else None
                self.events.append(_event("fwd.monitor.check_failed", at, parts, error=message))
                continue
            log.warning("router mapping %s: %s", key, message)
            parts = {"reason": said} if isinstance(said, dict) else None
            self.events.append(_event("fwd.monitor.failed", at, parts, mapping=key, reason=message))


def build_router_monitor(config: Config, paths: DataPaths) -> RouterMonitorService | None:
    """The monitor service, or None when ``server.manage_router`` is off."""
    if not config.server.manage_router:
        return None
    # Imported here: without router management the server never loads the UPnP stack.
    from netcore.forwarding import Forwarder
    from netcore.monitor import ForwardingMonitor

    monitor = ForwardingMonitor(Forwarder(config, paths))
    return RouterMonitorService(monitor, config.network.monitor_interval)
