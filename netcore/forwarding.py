"""Apply, list and remove the port plan on the office router.

Order of methods: UPnP IGD first; for a port of this machine that UPnP
cannot map (no IGD, or the IGD refuses), NAT-PMP, then PCP. A port for
another LAN machine can only be mapped by UPnP (NAT-PMP/PCP map to the
asking machine); when the router refuses it (secure mode: 718/606), the
outcome says why and the manual table covers it. Never a DMZ.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netcore import advice
from netcore.plan import DESCRIPTION_PREFIX, PlannedPort, build_plan, default_gateway, lan_address
from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router.natpmp import Granted, NatPmpClient
from netcore.router.pcp import PcpClient
from netcore.router.state import STATE_NAME, ForwardingState, MappingRecord
from netcore.router.upnp import RouterMapping, UpnpClient
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

MAPPED = "mapped"
FAILED = "failed"
REMOVED = "removed"


@dataclass
class PortOutcome:
    """What happened to one port of the plan."""

    name: str
    external: int
    protocol: str
    internal_host: str
    internal: int
    status: str  # mapped | failed | removed
    method: str = ""  # upnp | natpmp | pcp
    granted_external: int | None = None
    lease: int | None = None
    code: int | None = None
    message: str = ""
    low_port: bool = False  # refused probably because it is below 1024
    other_host: bool = False  # refused because it points at another LAN machine


@dataclass
class ForwardingReport:
    """The result of ``apply`` or ``remove``."""

    action: str
    outcomes: list[PortOutcome] = field(default_factory=list)
    igd_url: str = ""
    router_error: str = ""

    @property
    def mapped(self) -> list[PortOutcome]:
        """Outcomes that succeeded (mapped or removed)."""
        return [o for o in self.outcomes if o.status != FAILED]

    @property
    def failed(self) -> list[PortOutcome]:
        """Outcomes that failed."""
        return [o for o in self.outcomes if o.status == FAILED]

    def exit_code(self) -> int:
        """0 everything done, 1 partly, 2 nothing (an empty plan counts as done)."""
        if not self.failed:
            return 0
        return 1 if self.mapped else 2


Progress = Callable[[PortOutcome], None]


class Forwarder:
    """The port plan of one config against the router of this network."""

    def __init__(self, config: Config, paths: DataPaths, *, gateway: str | None = None,
                 lan_ip: str | None = None, clock: Callable[[], float] = time.time) -> None:
        """Args: gateway/lan_ip: found from the default route when not given;
        clock: seconds since the epoch (lease bookkeeping)."""
        self.config = config
        self.clock = clock
        self.paths = paths
        self._gateway = gateway
        self._lan_ip = lan_ip
        self._upnp: UpnpClient | None = None
        self._upnp_error: RouterError | None = None

    # ------------------------------------------------------------ discovery
    @property
    def gateway(self) -> str:
        """The router's LAN address."""
        if self._gateway is None:
            gw = default_gateway()
            if gw is None:
                raise RouterError(errors.NO_ROUTER, "this machine has no default route "
                                  "(no router) — check the network cable/Wi-Fi")
            self._gateway = gw
        return self._gateway

    @property
    def lan_ip(self) -> str:
        """This machine's LAN address (towards the router)."""
        if self._lan_ip is None:
            self._lan_ip = lan_address(self.gateway)
        return self._lan_ip

    @property
    def state_file(self) -> Path:
        """``state/forwarding.json``."""
        return self.paths.state / STATE_NAME

    @property
    def igd_url(self) -> str:
        """The root description URL of the IGD in use ('' before/without one)."""
        return self._upnp.url if self._upnp else ""

    def plan(self) -> list[PlannedPort]:
        """The enabled entries of the config with hosts resolved."""
        return build_plan(self.config, self.lan_ip)

    def upnp(self, state: ForwardingState) -> UpnpClient | None:
        """The IGD client (remembered URL first), or None when there is no IGD."""
        if self._upnp is None and self._upnp_error is None:
            client = UpnpClient(self.config.network.upnp_discover_ms, self.gateway)
            try:
                state.igd_url = client.connect(state.igd_url)
                self._upnp = client
            except RouterError as exc:
                self._upnp_error = exc
        return self._upnp

    # ------------------------------------------------------------ apply
    def apply(self, progress: Progress | None = None,
              only: list[PlannedPort] | None = None) -> ForwardingReport:
        """Map every port of the plan (or ``only`` these); state is saved."""
        state = ForwardingState.load(self.state_file)
        report = ForwardingReport("apply")
        ports = self.plan() if only is None else only
        upnp = self.upnp(state) if ports else None
        report.igd_url = state.igd_url if upnp else ""
        report.router_error = str(self._upnp_error or "")
        for port in ports:
            outcome = self._apply_one(port, upnp, state)
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
        state.save(self.state_file)
        return report

    def _apply_one(self, port: PlannedPort, upnp: UpnpClient | None,
                   state: ForwardingState) -> PortOutcome:
        lease = self.config.network.lease_seconds
        refusal: RouterError | None = self._upnp_error
        if upnp is not None:
            try:
                lease_granted = upnp.add(port, lease)
                self._verify(upnp, port)
                return self._record(state, port, "upnp", Granted(port.external, lease_granted))
            except RouterError as exc:
                refusal = exc
        if refusal and refusal.code == errors.CONFLICT and "forwarded to" in str(refusal):
            return _failed(port, refusal)  # another machine holds it: a fallback won't help
        if not port.local:
            return self._other_host_failure(port, refusal)
        try:
            method, granted = self._map_natpmp_or_pcp(port, lease, state.mappings.get(port.key))
        except RouterError as exc:
            return _failed(port, refusal if refusal and refusal.code != errors.NO_ROUTER
                           else exc)
        return self._record(state, port, method, granted)

    def _verify(self, upnp: UpnpClient, port: PlannedPort) -> None:
        found = upnp.get(port.external, port.protocol)
        if found is None or (found.internal_host, found.internal) != (
                port.internal_host, port.internal):
            got = f"{found.internal_host}:{found.internal}" if found else "nothing"
            raise RouterError(errors.NETWORK, f"the router accepted port {port.external} but "
                              f"its table shows {got}")

    def _other_host_failure(self, port: PlannedPort, refusal: RouterError | None) -> PortOutcome:
        if refusal is None or refusal.code in (errors.NO_ROUTER, errors.NETWORK):
            why = (f"no UPnP router to forward port {port.external} to {port.internal_host} "
                   "(NAT-PMP/PCP can only forward to this machine)")
            return _failed(port, refusal, message=why, other_host=True)
        if refusal.code in (errors.CONFLICT, errors.NOT_AUTHORIZED):
            return _failed(port, refusal, other_host=True,
                           message=f"port {port.external} to {port.internal_host}: "
                           f"{advice.SECURE_MODE_EXPLANATION}")
        return _failed(port, refusal)

    def reset_router(self) -> None:
        """Forget the IGD connection and its failure: the next call asks again."""
        self._upnp = None
        self._upnp_error = None

    def _map_natpmp_or_pcp(self, port: PlannedPort, lease: int,
                           previous: MappingRecord | None) -> tuple[str, Granted]:
        timeout = self.config.network.natpmp_timeout
        clients: list[tuple[str, NatPmpClient | PcpClient]] = [
            ("natpmp", NatPmpClient(self.gateway, timeout)),
            ("pcp", PcpClient(self.gateway, timeout))]
        last = RouterError(errors.NO_ROUTER, "no router answered")
        for method, client in clients:
            try:
                if isinstance(client, PcpClient):
                    # renewing a PCP mapping needs the nonce that created it
                    nonce = (bytes.fromhex(previous.nonce)
                             if previous and previous.method == "pcp" and previous.nonce
                             else None)
                    granted = client.map(port.protocol, port.external, port.internal, lease,
                                         nonce)
                else:
                    granted = client.map(port.protocol, port.external, port.internal, lease)
            except RouterError as exc:
                last = exc
                if exc.code == errors.NO_ROUTER:
                    continue  # the other protocol may answer
                raise
            if granted.external != port.external:
                # a refused port is silently moved elsewhere: useless for the plan
                self._undo(client, port, granted)
                raise RouterError(errors.NOT_AUTHORIZED, f"the router refuses port "
                                  f"{port.external} (it offered {granted.external} instead)")
            return method, granted
        raise last

    @staticmethod
    def _undo(client: NatPmpClient | PcpClient, port: PlannedPort, granted: Granted) -> None:
        try:
            if isinstance(client, PcpClient):
                client.unmap(port.protocol, port.internal, bytes.fromhex(granted.nonce))
            else:
                client.unmap(port.protocol, port.internal)
        except RouterError:
            pass  # the lease will expire by itself

    def _record(self, state: ForwardingState, port: PlannedPort, method: str,
                granted: Granted) -> PortOutcome:
        state.record(MappingRecord(
            name=port.name, method=method, protocol=port.protocol, external=port.external,
            granted_external=granted.external, internal_host=port.internal_host,
            internal=port.internal, lease=granted.lifetime, granted_at=self.clock(),
            nonce=granted.nonce))
        return PortOutcome(port.name, port.external, port.protocol, port.internal_host,
                           port.internal, MAPPED, method, granted.external, granted.lifetime,
                           message=f"forwarded by {method.upper()}")

    # ------------------------------------------------------------ list / remove
    def table(self) -> tuple[list[RouterMapping], list[MappingRecord]]:
        """The router's whole UPnP table (ours marked) and our NAT-PMP/PCP mappings.

        Raises:
            RouterError: no IGD and nothing recorded.
        """
        state = ForwardingState.load(self.state_file)
        upnp = self.upnp(state)
        others = [r for r in state.mappings.values() if r.method != "upnp"]
        if upnp is None and not others:
            raise self._upnp_error or RouterError(errors.NO_ROUTER, "no router")
        rows = upnp.table() if upnp else []
        state.save(self.state_file)
        return rows, others

    def remove(self, progress: Progress | None = None) -> ForwardingReport:
        """Delete every pmemail mapping (and only those); state is updated."""
        state = ForwardingState.load(self.state_file)
        report = ForwardingReport("remove")
        upnp = self.upnp(state)
        report.router_error = str(self._upnp_error or "")
        targets: dict[str, RouterMapping | MappingRecord] = {}
        if upnp is not None:
            targets.update((m.key, m) for m in upnp.table() if m.ours)
        targets.update((k, r) for k, r in state.mappings.items() if r.method != "upnp")
        for key, item in sorted(targets.items(), key=lambda kv: (kv[1].external, kv[0])):
            outcome = self._remove_one(item, upnp)
            if outcome.status == REMOVED:
                state.forget(key)
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
        for key in [k for k, r in state.mappings.items() if r.method == "upnp"]:
            if key not in targets and upnp is not None:
                state.forget(key)  # already gone from the router
        state.save(self.state_file)
        return report

    def _remove_one(self, item: RouterMapping | MappingRecord,
                    upnp: UpnpClient | None) -> PortOutcome:
        name = (item.name if isinstance(item, MappingRecord)
                else item.description.removeprefix(DESCRIPTION_PREFIX).strip())
        outcome = PortOutcome(name, item.external, item.protocol, item.internal_host,
                              item.internal, REMOVED)
        timeout = self.config.network.natpmp_timeout
        try:
            if isinstance(item, RouterMapping):
                assert upnp is not None
                upnp.delete(item.external, item.protocol)
                outcome.method = "upnp"
            elif item.method == "pcp":
                PcpClient(self.gateway, timeout).unmap(item.protocol, item.internal,
                                                       bytes.fromhex(item.nonce))
                outcome.method = "pcp"
            else:
                NatPmpClient(self.gateway, timeout).unmap(item.protocol, item.internal)
                outcome.method = "natpmp"
        except RouterError as exc:
            outcome.status, outcome.code, outcome.message = FAILED, exc.code, str(exc)
            if exc.code == errors.NOT_AUTHORIZED:
                outcome.message = (f"the router refuses to delete port {item.external} "
                                   f"(it belongs to {item.internal_host}); delete it in the "
                                   "router's port-forwarding page")
        return outcome


def _failed(port: PlannedPort, exc: RouterError | None, *, message: str = "",
            other_host: bool = False) -> PortOutcome:
    code = exc.code if exc else errors.NO_ROUTER
    text = message or (str(exc) if exc else errors.explain(errors.NO_ROUTER))
    low = (not other_host and code == errors.NOT_AUTHORIZED
           and advice.is_low_port_refusal(port))
    return PortOutcome(port.name, port.external, port.protocol, port.internal_host,
                       port.internal, FAILED, code=code, message=text, low_port=low,
                       other_host=other_host)
