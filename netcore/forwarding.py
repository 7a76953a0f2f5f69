"""Apply, list and remove the port plan on the office router.

Order of methods: UPnP IGD first; for a port of this machine that UPnP
cannot map because no IGD answered, NAT-PMP, then PCP. A definitive refusal
by one protocol ends that port's attempts (:mod:`netcore.router_etiquette`:
one request per protocol and port, spaced, bounded in number and time). A
router without a public address (CGNAT) is not asked to map anything. A port for
another LAN machine can only be mapped by UPnP (NAT-PMP/PCP map to the
asking machine); when the router refuses it (secure mode: 718/606), the
outcome says why and the manual table covers it. Never a DMZ.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from netcore import advice
from netcore.addresses import is_routable_for_us
from netcore.checks.verdict_messages import Msg
from netcore.forwarding_remove import remove_ours
from netcore.lan import LanDetectionError, LanInfo, detect_lan
from netcore.plan import (
    PlannedPort,
    build_plan,
    default_gateway,
    fallback_port,
    lan_address,
    with_fallbacks,
)
from netcore.port_outcome import (
    MAPPED,
    ForwardingReport,
    PortOutcome,
    Progress,
    failed_outcome,
    other_host_failure,
)
from netcore.router import errors, pmp
from netcore.router.errors import RouterError
from netcore.router.natpmp import Granted, NatPmpClient
from netcore.router.state import STATE_NAME, EpochSeen, ForwardingState, MappingRecord
from netcore.router.upnp import RouterMapping, UpnpClient
from netcore.router_etiquette import RequestBudget, budget_error, is_definitive
from netcore.target_check import off_lan_outcome, office_network
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


class Forwarder:
    """The port plan of one config against the router of this network."""

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        *,
        gateway: str | None = None,
        lan_ip: str | None = None,
        clock: Callable[[], float] = time.time,
        budget: RequestBudget | None = None,
    ) -> None:
        """Args: gateway/lan_ip: found from ``network.interface`` (empty: the
        default route) when not given; clock: seconds since the epoch (leases);
        budget: the requests one ``apply`` may send (default: spaced 0.2 s,
        four per port of the plan, 90 s in all)."""
        self.config = config
        self._budget = budget
        self.budget = budget or RequestBudget()
        self.clock = clock
        self.paths = paths
        self._gateway = gateway
        self._lan_ip = lan_ip
        self._upnp: UpnpClient | None = None
        self._upnp_error: RouterError | None = None
        self._interface: LanInfo | None = None

    # ------------------------------------------------------------ discovery
    def _configured_interface(self) -> LanInfo | None:
        """``network.interface`` described (None when it is empty)."""
        name = self.config.network.interface.strip()
        if not name:
            return None
        if self._interface is None:
            try:
                self._interface = detect_lan(name)
            except LanDetectionError as exc:
                raise RouterError(errors.NO_ROUTER, f"network.interface: {exc}") from None
        return self._interface

    @property
    def gateway(self) -> str:
        """The router's LAN address: the gateway of ``network.interface`` or
        of the default route."""
        if self._gateway is None:
            iface = self._configured_interface()
            gw = iface.gateway if iface else default_gateway()
            if not gw:
                where = (
                    Msg("fwd.err.iface_no_gateway", {"interface": iface.interface})
                    if iface
                    else Msg("fwd.err.no_default_route")
                )
                raise RouterError(errors.NO_ROUTER, where)
            self._gateway = gw
        return self._gateway

    @property
    def lan_ip(self) -> str:
        """This machine's LAN address: that of ``network.interface``, else the
        one the kernel uses towards the router."""
        if self._lan_ip is None:
            iface = self._configured_interface()
            if iface is not None and not iface.address:
                raise RouterError(
                    errors.NO_ROUTER, Msg("fwd.err.iface_no_ipv4", {"interface": iface.interface})
                )
            self._lan_ip = iface.address if iface else lan_address(self.gateway)
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
        """The enabled entries of the config with hosts resolved, with the
        high external ports chosen by ``apply(fallback=True)`` in place."""
        state = ForwardingState.load(self.state_file)
        return with_fallbacks(build_plan(self.config, self.lan_ip), state.fallbacks)

    def upnp(self, state: ForwardingState) -> UpnpClient | None:
        """The IGD client (remembered URL first), or None when there is no IGD."""
        if self._upnp is None and self._upnp_error is None:
            client = UpnpClient(
                self.config.network.upnp_discover_ms, self.gateway, self.config.network.http_timeout
            )
            try:
                state.igd_url = client.connect(state.igd_url)
                self._upnp = client
            except RouterError as exc:
                self._upnp_error = exc
        return self._upnp

    # ------------------------------------------------------------ apply
    def apply(
        self,
        progress: Progress | None = None,
        only: list[PlannedPort] | None = None,
        *,
        fallback: bool = False,
    ) -> ForwardingReport:
        """Map every port of the plan (or ``only`` these); state is saved.

        Args:
            progress: called with each port's outcome as it is known.
            only: map these ports instead of the whole plan.
            fallback: when the router refuses a low port, map the high
                external port :func:`netcore.advice.propose_fallback`
                proposes instead (never for SMTP) and remember the choice,
                so ``plan()``, ``list``, ``remove`` and the monitor use it.
        """
        state = ForwardingState.load(self.state_file)
        report = ForwardingReport("apply")
        ports = self.plan() if only is None else only
        self.budget = self._budget or RequestBudget(max_requests=4 * len(ports) + 4, deadline=90.0)
        upnp = self.upnp(state) if ports else None
        report.igd_url = state.igd_url if upnp else ""
        report.router_error = str(self._upnp_error or "")
        report.router_msg = self._upnp_error.msg if self._upnp_error else None
        if ports and not self._has_public_address(upnp, report):
            # CGNAT or a second NAT: a mapping could not help and a refused
            # request only costs the router work; the report ends in ISP advice
            report.no_public_address = True
            nothing = RouterError(
                errors.NO_PUBLIC_ADDRESS, errors.explain_msg(errors.NO_PUBLIC_ADDRESS)
            )
            for port in ports:
                report.outcomes.append(failed_outcome(port, nothing))
                if progress:
                    progress(report.outcomes[-1])
            state.save(self.state_file)
            return report
        taken = {p.key for p in ports}
        lan = office_network(self.lan_ip, self.config.network.interface.strip())
        for port in ports:
            outcome = off_lan_outcome(port, lan, self.lan_ip) or self._apply_one(port, upnp, state)
            if fallback and outcome.low_port:
                outcome = self._apply_fallback(port, outcome, upnp, state, taken)
            _note_refusal(state, port.key, outcome)
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)
        state.save(self.state_file)
        return report

    def _has_public_address(self, upnp: UpnpClient | None, report: ForwardingReport) -> bool:
        """False when the router says it has no usable public address (CGNAT, double NAT).

        One request (UPnP GetExternalIPAddress, else NAT-PMP's public address);
        no answer counts as "maybe": the mappings are then tried.
        """
        try:
            self.budget.spend()
            if upnp is not None:
                address = upnp.external_ip()
            else:
                address = NatPmpClient(
                    self.gateway, self.config.network.natpmp_timeout
                ).external_ip()
        except RouterError:
            return True
        report.router_address = address
        return bool(address) and is_routable_for_us(address)

    def _apply_one(
        self, port: PlannedPort, upnp: UpnpClient | None, state: ForwardingState
    ) -> PortOutcome:
        lease = self.config.network.lease_seconds
        refusal: RouterError | None = self._upnp_error
        if reason := self.budget.exhausted():
            return failed_outcome(port, budget_error(reason, self.budget))
        if upnp is not None:
            try:
                self.budget.spend()
                lease_granted = upnp.add(port, lease)
                self._verify(upnp, port)
                return self._record(state, port, "upnp", Granted(port.external, lease_granted))
            except RouterError as exc:
                refusal = exc
        if refusal and refusal.code == errors.CONFLICT and "forwarded to" in str(refusal):
            return failed_outcome(port, refusal)  # another machine holds it: a fallback won't help
        if not port.local:
            return other_host_failure(port, refusal)
        if upnp is not None and refusal is not None and is_definitive(refusal):
            # the router said no: NAT-PMP/PCP would ask the same question again
            # (and miniupnpd would search every port for an allowed one)
            return failed_outcome(port, refusal)
        if reason := self.budget.exhausted():
            return failed_outcome(port, budget_error(reason, self.budget))
        self.budget.spend()
        try:
            method, granted = pmp.map_port(
                self.gateway,
                self.config.network.natpmp_timeout,
                port.protocol,
                port.external,
                port.internal,
                lease,
                state.mappings.get(port.key),
            )
        except RouterError as exc:
            return failed_outcome(
                port, refusal if refusal and refusal.code != errors.NO_ROUTER else exc
            )
        return self._record(state, port, method, granted)

    def _apply_fallback(
        self,
        port: PlannedPort,
        refused: PortOutcome,
        upnp: UpnpClient | None,
        state: ForwardingState,
        taken: set[str],
    ) -> PortOutcome:
        """Map the proposed high external port for a refused low one."""
        proposal = advice.propose_fallback(port)
        if proposal.proposed_external is None:
            return refused  # inbound SMTP: a high port is useless
        high = fallback_port(port, proposal.proposed_external)
        reason = {"reason": refused.msg or Msg("fwd.err.network")}
        if high.key in taken:
            refused.say(Msg("fwd.out.fallback_taken", {"port": str(high.external)}, reason))
            return refused
        outcome = self._apply_one(high, upnp, state)
        if outcome.status != MAPPED:
            why = reason | {"why": outcome.msg or Msg("fwd.err.network")}
            refused.say(Msg("fwd.out.fallback_failed", {"port": str(high.external)}, why))
            return refused
        taken.add(high.key)
        state.fallbacks[port.key] = high.external
        outcome.say(
            advice.fallback_applied_note(
                port.name,
                port.external,
                high.external,
                outcome.method,
                port.internal,
                high.internal,
            )
        )
        return outcome

    def _verify(self, upnp: UpnpClient, port: PlannedPort) -> None:
        found = upnp.get(port.external, port.protocol)
        if found is None or (found.internal_host, found.internal) != (
            port.internal_host,
            port.internal,
        ):
            shown = {"port": str(port.external)}
            raise RouterError(
                errors.NETWORK,
                Msg("fwd.err.verify", shown | {"got": f"{found.internal_host}:{found.internal}"})
                if found
                else Msg("fwd.err.verify_nothing", shown),
            )

    def reset_router(self) -> None:
        """Forget the IGD connection and its failure: the next call asks again."""
        self._upnp = None
        self._upnp_error = None

    def _record(
        self, state: ForwardingState, port: PlannedPort, method: str, granted: Granted
    ) -> PortOutcome:
        now = self.clock()
        state.record(
            MappingRecord(
                name=port.name,
                method=method,
                protocol=port.protocol,
                external=port.external,
                granted_external=granted.external,
                internal_host=port.internal_host,
                internal=port.internal,
                lease=granted.lifetime,
                granted_at=now,
                nonce=granted.nonce,
                fallback_for=port.fallback_for,
            )
        )
        if granted.epoch is not None:
            state.observe_epoch(EpochSeen(granted.epoch, now))
        forwarded = Msg("fwd.out.forwarded", {"method": method.upper()})
        return PortOutcome(
            port.name,
            port.external,
            port.protocol,
            port.internal_host,
            port.internal,
            MAPPED,
            method,
            granted.external,
            granted.lifetime,
            message=forwarded.english(),
            fallback_for=port.fallback_for,
            msg=forwarded,
        )

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
            raise self._upnp_error or RouterError(errors.NO_ROUTER, Msg("fwd.err.none_answered"))
        rows = upnp.table() if upnp else []
        state.save(self.state_file)
        return rows, others

    def fallback_ports(self) -> dict[str, int]:
        """Our mappings that replace a refused low port: ``{"1143/TCP": 143}``."""
        state = ForwardingState.load(self.state_file)
        return {k: r.fallback_for for k, r in state.mappings.items() if r.fallback_for}

    def remove(self, progress: Progress | None = None) -> ForwardingReport:
        """Delete every pmemail mapping (and only those); state is updated."""
        state = ForwardingState.load(self.state_file)
        report = ForwardingReport("remove")
        upnp = self.upnp(state)
        report.router_error = str(self._upnp_error or "")
        report.router_msg = self._upnp_error.msg if self._upnp_error else None
        timeout = self.config.network.natpmp_timeout
        remove_ours(state, upnp, self.gateway, timeout, report, progress)
        state.save(self.state_file)
        return report


def _note_refusal(state: ForwardingState, key: str, outcome: PortOutcome) -> None:
    """Remember a router's definitive refusal of ``key`` (forgotten once it is mapped)."""
    if outcome.status == MAPPED:
        state.refused.pop(key, None)
    elif outcome.code is not None and outcome.code > 0:  # a UPnP/NAT-PMP/PCP "no"
        state.refused[key] = outcome.code
