"""The subscription verdict as a decision table: evidence in, hosting and advice out.

Evidence is read in a fixed order, the strongest first:

1. Reachability from outside (the echo service connected back): ground
   truth. A port that answers proves the line hosts, whatever the router or
   the NAT guess says; a port the router maps that still does not answer
   proves something upstream (a second NAT, the ISP's modem in router mode,
   carrier-grade NAT behind a STUN-learned address, an ISP filter) stops it.
2. What the router says (UPnP / NAT-PMP found, its external address).
3. The NAT type (:mod:`netcore.nat`).

:data:`ROWS` is the table: the first row whose condition holds gives the
hosting answer and the summary. Limits (dynamic address, blocked outbound 25,
filtered low ports) are added after it, each with its advice. Every sentence
is a :class:`~netcore.checks.verdict_messages.Msg` (an id and parameters);
the English default is in :mod:`netcore.checks.verdict_messages`, the
French in :mod:`pmemail.app.verdict_texts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from netcore.addresses import classify
from netcore.checks.verdict_messages import Msg

Hosting = Literal["allows", "allows_with_limits", "does_not_allow", "unknown"]


@dataclass(frozen=True)
class PortSeen:
    """One port of the plan as the evidence shows it.

    Attributes:
        name: the plan entry (``smtp``, ``imap``...).
        external: the external port probed.
        reachable: the echo service connected back (None: not tested).
        mapped: the router granted a mapping for it (pmemail's forwarding state).
        refused: the router refused it at the last forwarding.
    """

    name: str
    external: int
    reachable: bool | None
    mapped: bool = False
    refused: bool = False


@dataclass(frozen=True)
class Evidence:
    """Everything the verdict reads, already reduced to plain values.

    Attributes:
        network: this machine has a LAN address and a default gateway.
        gateway: the default gateway ("" when none).
        ports: the plan's TCP ports as probed from outside.
        router_found: the router answered UPnP or NAT-PMP.
        router_public: the router's own external address is a public one.
        router_private: the router's external address when it is a private
            one (a modem in router mode in front of it), else "".
        nat: direct / nat / double_nat / unknown.
        ip: fixed / dynamic / unknown.
        outbound_25: open / blocked / refused / unknown.
        relay: the ISP's relay for outgoing mail ("" when unknown).
        upstream_hop: the box just past the router (:mod:`netcore.hops`)
            when its address is not a public one, else "".
    """

    network: bool = True
    gateway: str = ""
    ports: tuple[PortSeen, ...] = ()
    router_found: bool = False
    router_public: bool = False
    router_private: str = ""
    nat: str = "unknown"
    ip: str = "unknown"
    outbound_25: str = "unknown"
    relay: str = ""
    upstream_hop: str = ""

    @property
    def reached(self) -> list[PortSeen]:
        """Ports the internet reached."""
        return [p for p in self.ports if p.reachable]

    @property
    def unreached(self) -> list[PortSeen]:
        """Ports the internet did not reach."""
        return [p for p in self.ports if p.reachable is False]

    @property
    def blocked_upstream(self) -> list[PortSeen]:
        """Mapped on the router, yet not reachable: stopped before the router."""
        return [p for p in self.unreached if p.mapped]

    @property
    def modem(self) -> str:
        """The address of a second NAT box the office can bridge ("" when none is shown).

        Either the router says its own internet side is private, or ports it
        maps are unreachable and the box past it has a private address.
        """
        if self.nat == "double_nat" and self.router_private:
            return self.router_private
        if self.blocked_upstream and _kind(self.upstream_hop) == "private":
            return self.upstream_hop
        return ""

    @property
    def behind_cgn(self) -> bool:
        """No usable external address, or mapped ports unreachable past a 100.64/10 hop."""
        shared_hop = bool(self.blocked_upstream) and _kind(self.upstream_hop) == "shared"
        return self.nat == "double_nat" or shared_hop

    @property
    def tested(self) -> bool:
        """At least one port got an answer (yes or no) from outside."""
        return any(p.reachable is not None for p in self.ports)


@dataclass(frozen=True)
class Row:
    """One line of the table: when it applies, the answer, the summary's id."""

    name: str
    when: Callable[[Evidence], bool]
    hosting: Hosting
    summary: str


def _kind(address: str) -> str:
    return classify(address) if address else ""


def _ports(ports: list[PortSeen]) -> str:
    return ", ".join(str(p.external) for p in ports)


ROWS: tuple[Row, ...] = (
    Row("no_network", lambda e: not e.network, "unknown", "summary.no_network"),
    Row(
        "all_reached",
        lambda e: bool(e.ports) and len(e.reached) == len(e.ports),
        "allows",
        "summary.allows",
    ),
    Row("some_reached", lambda e: bool(e.reached), "allows", "summary.allows"),
    Row("double_nat", lambda e: bool(e.modem), "does_not_allow", "summary.double_nat"),
    Row("cgnat", lambda e: e.behind_cgn, "does_not_allow", "summary.cgnat"),
    Row(
        "mapped_unreached", lambda e: bool(e.blocked_upstream), "does_not_allow", "summary.upstream"
    ),
    Row(
        "router_not_forwarded",
        lambda e: e.tested and e.router_found and e.nat in ("nat", "direct"),
        "allows",
        "summary.not_forwarded",
    ),
    Row(
        "no_router_not_forwarded",
        lambda e: e.tested and not e.router_found,
        "unknown",
        "summary.no_router",
    ),
    Row(
        "untested_router_ok",
        lambda e: not e.tested and (e.nat in ("nat", "direct") or e.router_public),
        "allows",
        "summary.untested",
    ),
    Row("otherwise", lambda e: True, "unknown", "summary.unknown"),
)
"""The decision table, first match wins (tests/test_verdict_table.py: one test a row)."""


@dataclass(frozen=True)
class Decision:
    """The table's answer: which row, hosting, summary, limits and advice.

    ``nat`` is the NAT the whole evidence shows: "double_nat" for the
    double_nat and cgnat rows (the NAT check alone may have seen one NAT
    when the router learned the public address by STUN), else the NAT check's.
    """

    row: str
    hosting: Hosting
    summary: Msg
    low_ports: str
    limits: list[Msg] = field(default_factory=list)
    advice: list[Msg] = field(default_factory=list)
    nat: str = "unknown"


def low_ports(e: Evidence) -> str:
    """reachable / filtered / unknown for the plan's ports below 1024.

    "filtered" needs proof: a low port unreachable while a high one answers
    (so forwarding works) and the low one is forwarded (mapped, or no router
    to ask: forwarded by hand).
    """
    low = [p for p in e.ports if p.external < 1024 and p.reachable is not None]
    if not low:
        return "unknown"
    if all(p.reachable for p in low):
        return "reachable"
    high_ok = any(p.reachable for p in e.ports if p.external >= 1024)
    forwarded = all(p.mapped or not e.router_found for p in low if not p.reachable)
    return "filtered" if high_ok and forwarded else "unknown"


def decide(e: Evidence) -> Decision:
    """Walk :data:`ROWS`, then add the limits and their advice."""
    row = next(r for r in ROWS if r.when(e))
    params: dict[str, str] = {"gateway": e.gateway or "?"}
    if row.name == "no_network":
        return Decision(
            row.name, row.hosting, Msg(row.summary), "unknown", [], [Msg("advice.connect")]
        )
    limits: list[Msg] = []
    advice: list[Msg] = []
    low = low_ports(e)
    upstream = e.blocked_upstream
    if upstream and row.name in ("mapped_unreached", "some_reached", "double_nat", "cgnat"):
        limits.append(Msg("limit.upstream", {"ports": _ports(upstream)}))
    if row.name == "mapped_unreached" or (row.name == "some_reached" and upstream):
        advice.append(Msg("advice.upstream", {"ports": _ports(upstream)}))
    if row.name == "double_nat" and upstream:
        # a box the office owns does the second NAT: bridge mode fixes it
        bridge = {"address": e.modem, "ports": _ports(upstream)}
        advice.append(Msg("advice.bridge_modem_ahead", bridge))
        advice.append(Msg("advice.ask_public_ipv4"))
    elif row.name == "double_nat":
        advice.append(Msg("advice.bridge_modem", {"address": e.modem}))
        advice.append(Msg("advice.ask_public_ipv4"))
    elif row.name in ("cgnat", "mapped_unreached"):
        advice.append(Msg("advice.ask_public_ipv4"))
        advice.append(Msg("advice.meanwhile"))
    not_forwarded = [p for p in e.unreached if not p.mapped]
    if row.name in ("some_reached", "router_not_forwarded", "no_router_not_forwarded") and (
        not_forwarded and low != "filtered"
    ):
        if row.name == "some_reached":
            limits.append(Msg("limit.not_reached", {"ports": _ports(not_forwarded)}))
        _forwarding_advice(e, not_forwarded, params, advice)
    if row.name in ("untested_router_ok", "otherwise"):
        if row.name == "untested_router_ok":
            limits.append(Msg("limit.untested"))
        advice.append(Msg("advice.echo"))
    if low == "filtered":
        ports = _ports([p for p in e.unreached if p.external < 1024])
        limits.append(Msg("limit.low_filtered", {"ports": ports}))
        advice.append(Msg("advice.low_filtered", {"ports": ports}))
    nat = "double_nat" if row.name in ("double_nat", "cgnat") else e.nat
    _address_limits(e.ip, nat, limits, advice)
    if e.outbound_25 == "blocked":
        relay = {"relay": e.relay} if e.relay else {}
        limits.append(Msg("limit.out25_relay" if e.relay else "limit.out25", relay))
        advice.append(Msg("advice.relay" if e.relay else "advice.ask_relay", relay))
    hosting: Hosting = row.hosting
    if hosting == "allows" and limits:
        hosting = "allows_with_limits"
    summary = Msg(row.summary, {"ports": _ports(upstream), "address": e.modem})
    return Decision(row.name, hosting, summary, low, limits, advice, nat)


def _forwarding_advice(
    e: Evidence, ports: list[PortSeen], params: dict[str, str], advice: list[Msg]
) -> None:
    """Run the forwarding for ports never asked; by hand for those the router refused."""
    refused = [p for p in ports if p.refused]
    asked = [p for p in ports if not p.refused]
    if asked:
        key = "advice.run_forwarding" if e.router_found else "advice.forward_by_hand"
        advice.append(Msg(key, params | {"ports": _ports(asked)}))
    if refused:
        advice.append(Msg("advice.refused_by_router", params | {"ports": _ports(refused)}))


def _address_limits(ip: str, nat: str, limits: list[Msg], advice: list[Msg]) -> None:
    """Fixed or dynamic address: a limit only when it matters (the line can host)."""
    if nat == "double_nat":
        return  # no forwarding works: the address kind is moot
    if ip == "dynamic":
        limits.append(Msg("limit.dynamic"))
        advice.append(Msg("advice.dynamic_dns"))
    elif ip == "unknown":
        limits.append(Msg("limit.ip_unknown"))
        advice.append(Msg("advice.ip_unknown"))
