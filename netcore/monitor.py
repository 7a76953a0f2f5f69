"""Keep the router's mappings alive while ``pmemail serve`` runs.

Routers forget mappings when they reboot or when the daemon restarts, and
leases run out. :meth:`ForwardingMonitor.check_once` (called every
``network.monitor_interval`` seconds by the serve supervisor) puts back
every mapping we had that the router lost, and renews a lease when only
``network.renew_margin`` of it is left.

UPnP mappings are read back one by one. NAT-PMP and PCP cannot list a
router's table; instead every answer carries the router's "seconds since
start of epoch": when it is lower than our last observation predicts, the
router restarted and lost them all, so they are all re-requested (a MAP
request for an existing mapping is idempotent, RFC 6886 3.6). When the
router does not tell its epoch, they are re-requested anyway ("refreshed").
"""

from __future__ import annotations

from typing import Any

from netcore.checks.verdict_messages import Msg
from netcore.forwarding import Forwarder
from netcore.plan import PlannedPort
from netcore.port_outcome import MAPPED
from netcore.router.errors import RouterError
from netcore.router.natpmp import NatPmpClient
from netcore.router.state import EpochSeen, ForwardingState, MappingRecord

PMP_METHODS = ("natpmp", "pcp")


class ForwardingMonitor:
    """Restores lost mappings and renews leases; one call = one check."""

    def __init__(self, forwarder: Forwarder) -> None:
        """Args: forwarder: the plan, the router and the clock (``forwarder.clock``)."""
        self.forwarder = forwarder
        self.clock = forwarder.clock

    def check_once(self) -> dict[str, Any]:
        """Check every mapping we made; re-apply lost ones, renew expiring ones.

        Returns:
            ``{"checked_at", "ok", "restored", "renewed", "refreshed", "failed",
            "router_rebooted", "mappings"}``: lists of ``"25/TCP"`` keys,
            ``refreshed`` = NAT-PMP/PCP mappings re-requested because the
            router's epoch was unknown, ``failed`` as ``{"key", "message"}``
            (and ``msg``, the message as ``Msg.to_dict()``, when it has an id)
            and ``mappings`` as in :meth:`leases`; ``router_address``: the
            public address the router reports ("" unknown).
        """
        fwd = self.forwarder
        fwd.reset_router()  # a router that was down last time may be back
        state = ForwardingState.load(fwd.state_file)
        now = self.clock()
        margin = fwd.config.network.renew_margin
        status: dict[str, Any] = {
            "checked_at": now,
            "ok": True,
            "restored": [],
            "renewed": [],
            "refreshed": [],
            "failed": [],
            "router_rebooted": False,
        }
        try:
            plan = {p.key: p for p in fwd.plan()}
        except (RouterError, ValueError) as exc:
            failure: dict[str, Any] = {"key": "", "message": str(exc)}
            said = getattr(exc, "msg", None)  # RouterError, PlanError: a message id
            if isinstance(said, Msg):
                failure["msg"] = said.to_dict()
            status.update(ok=False, failed=[failure], mappings=self.leases(now))
            return status
        pmp_state = self._pmp_router_state(state, now)
        status["router_rebooted"] = pmp_state == "rebooted"
        todo: dict[str, tuple[PlannedPort, str]] = {}  # key -> (port, list it goes to)
        for key, rec in state.mappings.items():
            port = plan.get(key)
            if port is None:
                continue  # no longer in the plan: `ports remove` cleans it up
            if rec.method in PMP_METHODS and pmp_state == "rebooted":
                todo[key] = (port, "restored")
            elif rec.method in PMP_METHODS and pmp_state == "unknown":
                todo[key] = (port, "refreshed")
            elif self._lost(rec, state):
                todo[key] = (port, "restored")
            elif rec.lease > 0 and (rec.remaining(now) or 0) <= rec.lease * margin:
                todo[key] = (port, "renewed")
        if todo:
            report = fwd.apply(only=[port for port, _ in todo.values()])
            for o in report.outcomes:
                key = f"{o.external}/{o.protocol}"
                if o.status != MAPPED:
                    failed: dict[str, Any] = {"key": key, "message": o.message}
                    if o.msg is not None:  # the front ends word it in the admin's language
                        failed["msg"] = o.msg.to_dict()
                    status["failed"].append(failed)
                else:
                    status[todo[key][1]].append(key)
        status["ok"] = not status["failed"]
        status["mappings"] = self.leases(self.clock())
        status["router_address"] = self._router_address(state)
        return status

    def _router_address(self, state: ForwardingState) -> str:
        """The WAN address the router reports over UPnP ("" unknown): one cheap request."""
        upnp = self.forwarder.upnp(state)
        if upnp is None:
            return ""
        try:
            return upnp.external_ip()
        except RouterError:
            return ""

    def _pmp_router_state(self, state: ForwardingState, now: float) -> str:
        """ "same", "rebooted" or "unknown" for our NAT-PMP/PCP mappings' router.

        Asks NAT-PMP for the public address (the cheapest request) to read
        the epoch; the observation is saved so the next check compares with it.
        """
        if not any(r.method in PMP_METHODS for r in state.mappings.values()):
            return "same"
        fwd = self.forwarder
        try:
            _ip, epoch = NatPmpClient(
                fwd.gateway, fwd.config.network.natpmp_timeout
            ).address_and_epoch()
        except RouterError:
            return "unknown"  # a PCP-only or silent router: re-request to be sure
        rebooted = state.observe_epoch(EpochSeen(epoch, now))
        state.save(fwd.state_file)
        return "rebooted" if rebooted else "same"

    def _lost(self, rec: MappingRecord, state: ForwardingState) -> bool:
        """True when the router no longer has a UPnP mapping we made."""
        if rec.method != "upnp":
            return False  # NAT-PMP/PCP: judged by the router's epoch
        upnp = self.forwarder.upnp(state)
        if upnp is None:
            return True
        try:
            found = upnp.get(rec.external, rec.protocol)
        except RouterError:
            return True
        return found is None or (found.internal_host, found.internal) != (
            rec.internal_host,
            rec.internal,
        )

    def leases(self, now: float | None = None) -> list[dict[str, Any]]:
        """Per mapping: key, name, method, lease and seconds left (None = permanent)."""
        now = self.clock() if now is None else now
        state = ForwardingState.load(self.forwarder.state_file)
        return [
            {
                "key": k,
                "name": r.name,
                "method": r.method,
                "lease": r.lease,
                "remaining": r.remaining(now),
                "fallback_for": r.fallback_for,
            }
            for k, r in sorted(state.mappings.items())
        ]
