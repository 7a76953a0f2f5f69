"""Keep the router's mappings alive while ``pmemail serve`` runs.

Routers forget UPnP mappings when they reboot or when the daemon restarts,
and leases run out. :meth:`ForwardingMonitor.check_once` (called every
``network.monitor_interval`` seconds by the serve supervisor) puts back
every mapping we had that the router lost, and renews a lease when only
``network.renew_margin`` of it is left.
"""

from __future__ import annotations

from typing import Any

from netcore.forwarding import MAPPED, Forwarder
from netcore.plan import PlannedPort
from netcore.router.errors import RouterError
from netcore.router.state import ForwardingState, MappingRecord


class ForwardingMonitor:
    """Restores lost mappings and renews leases; one call = one check."""

    def __init__(self, forwarder: Forwarder) -> None:
        """Args: forwarder: the plan, the router and the clock (``forwarder.clock``)."""
        self.forwarder = forwarder
        self.clock = forwarder.clock

    def check_once(self) -> dict[str, Any]:
        """Check every mapping we made; re-apply lost ones, renew expiring ones.

        Returns:
            ``{"checked_at", "ok", "restored", "renewed", "failed", "mappings"}``:
            lists of ``"25/TCP"`` keys, ``failed`` as ``{"key", "message"}``
            and ``mappings`` as in :meth:`leases`.
        """
        fwd = self.forwarder
        fwd.reset_router()  # a router that was down last time may be back
        state = ForwardingState.load(fwd.state_file)
        now = self.clock()
        margin = fwd.config.network.renew_margin
        status: dict[str, Any] = {"checked_at": now, "ok": True, "restored": [],
                                  "renewed": [], "failed": []}
        try:
            plan = {p.key: p for p in fwd.plan()}
        except (RouterError, ValueError) as exc:
            status.update(ok=False, failed=[{"key": "", "message": str(exc)}],
                          mappings=self.leases(now))
            return status
        lost: list[PlannedPort] = []
        expiring: list[PlannedPort] = []
        for key, rec in state.mappings.items():
            port = plan.get(key)
            if port is None:
                continue  # no longer in the plan: `ports remove` cleans it up
            if self._lost(rec, state):
                lost.append(port)
            elif rec.lease > 0 and (rec.remaining(now) or 0) <= rec.lease * margin:
                expiring.append(port)
        if lost or expiring:
            report = fwd.apply(only=lost + expiring)
            for o in report.outcomes:
                key = f"{o.external}/{o.protocol}"
                if o.status != MAPPED:
                    status["failed"].append({"key": key, "message": o.message})
                elif any(p.key == key for p in lost):
                    status["restored"].append(key)
                else:
                    status["renewed"].append(key)
        status["ok"] = not status["failed"]
        status["mappings"] = self.leases(self.clock())
        return status

    def _lost(self, rec: MappingRecord, state: ForwardingState) -> bool:
        """True when the router no longer has a UPnP mapping we made.

        NAT-PMP/PCP cannot be queried: those are renewed on time instead.
        """
        if rec.method != "upnp":
            return False
        upnp = self.forwarder.upnp(state)
        if upnp is None:
            return True
        try:
            found = upnp.get(rec.external, rec.protocol)
        except RouterError:
            return True
        return found is None or (found.internal_host, found.internal) != (
            rec.internal_host, rec.internal)

    def leases(self, now: float | None = None) -> list[dict[str, Any]]:
        """Per mapping: key, name, method, lease and seconds left (None = permanent)."""
        now = self.clock() if now is None else now
        state = ForwardingState.load(self.forwarder.state_file)
        return [{"key": k, "name": r.name, "method": r.method, "lease": r.lease,
                 "remaining": r.remaining(now)} for k, r in sorted(state.mappings.items())]
