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
from typing import TYPE_CHECKING, Any

from mailcore.periodic import PeriodicTask
from mailcore.status import RouterStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.monitor import ForwardingMonitor

log = logging.getLogger(__name__)


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
        }

    async def check(self) -> None:
        """One check; a failure is logged and shown in status, never fatal."""
        try:
            result = await asyncio.to_thread(self.monitor.check_once)
        except Exception as err:  # the mail must flow even when the router misbehaves
            self.last_error = f"{type(err).__name__}: {err}"
            log.warning("router check failed: %s", self.last_error)
            return
        self.checks += 1
        self.last, self.last_error = result, ""
        self.router_address = str(result.get("router_address") or "")
        self.restored_total += len(result.get("restored", []))
        self.renewed_total += len(result.get("renewed", []))
        self.failed_total += len(result.get("failed", []))
        for key in result.get("restored", []):
            log.warning("router had lost the mapping %s: restored", key)
        for key in result.get("renewed", []):
            log.info("router mapping %s renewed", key)
        for failure in result.get("failed", []):
            log.warning("router mapping %s: %s", failure.get("key"), failure.get("message"))


def build_router_monitor(config: Config, paths: DataPaths) -> RouterMonitorService | None:
    """The monitor service, or None when ``server.manage_router`` is off."""
    if not config.server.manage_router:
        return None
    # Imported here: without router management the server never loads the UPnP stack.
    from netcore.forwarding import Forwarder
    from netcore.monitor import ForwardingMonitor

    monitor = ForwardingMonitor(Forwarder(config, paths))
    return RouterMonitorService(monitor, config.network.monitor_interval)
