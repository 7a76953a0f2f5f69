"""The subscription verdict: can this internet line host a mail server?

Reduces the other checks' results to :class:`~netcore.checks.verdict_table.Evidence`
and lets the decision table (:mod:`netcore.checks.verdict_table`) answer.
Reachability from outside comes first: a port that answers proves the line
hosts, a forwarded port that does not proves an upstream NAT or filter.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from netcore.addresses import classify, is_routable_for_us
from netcore.checks.result import CheckResult, Status
from netcore.checks.verdict_messages import Msg
from netcore.checks.verdict_table import Evidence, Hosting, PortSeen, decide

__all__ = ["Hosting", "SubscriptionVerdict", "subscription_result", "subscription_verdict"]


@dataclass(frozen=True)
class SubscriptionVerdict:
    """The decision and its ingredients.

    Attributes:
        hosting: allows / allows_with_limits / does_not_allow / unknown.
        summary: one sentence for the admin (English; ``messages`` has the id).
        ip: fixed / dynamic / unknown.
        nat: direct / nat / double_nat / unknown (double_nat also when the
            verdict found a second NAT the NAT check could not see).
        outbound_25: open / blocked / refused / unknown.
        low_ports: reachable / filtered / unknown (ports below 1024 of the plan).
        limits: one sentence per limit found.
        advice: what to do, one sentence each.
        row: the decision table's row that answered.
        messages: the summary, limits and advice as message ids with parameters.
    """

    hosting: Hosting
    summary: str
    ip: str = "unknown"
    nat: str = "unknown"
    outbound_25: str = "unknown"
    low_ports: str = "unknown"
    limits: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    row: str = ""
    messages: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the report's ``verdict``)."""
        return {
            "hosting": self.hosting,
            "summary": self.summary,
            "ip": self.ip,
            "nat": self.nat,
            "outbound_25": self.outbound_25,
            "low_ports": self.low_ports,
            "limits": list(self.limits),
            "advice": list(self.advice),
            "row": self.row,
            "messages": self.messages,
        }


def evidence(
    results: list[CheckResult],
    mapped: Collection[int] = (),
    gateway: str = "",
    refused: Collection[int] = (),
) -> Evidence:
    """The plain facts the table reads, from the checks (by id) and the router's mappings.

    Args:
        results: the checks so far (``lan``, ``router``, ``nat``, ``ip_kind``,
            ``outbound_25``, ``inbound.*``).
        mapped: external ports the router granted to this machine (forwarding state).
        gateway: the default gateway, when the ``lan`` check does not carry it.
        refused: external ports the router refused at the last forwarding.
    """
    by_id = {r.id: r for r in results}

    def detail(check: str, key: str) -> str:
        r = by_id.get(check)
        return str(r.details.get(key) or "unknown") if r else "unknown"

    lan, router = by_id.get("lan"), by_id.get("router")
    seen = [
        PortSeen(
            str(r.details.get("name", r.id[8:])),
            int(r.details["external"]),
            r.details.get("reachable"),
            int(r.details["external"]) in mapped,
            int(r.details["external"]) in refused,
        )
        for r in results
        if r.id.startswith("inbound.") and "external" in r.details and r.status != "skipped"
    ]
    # the inbound checks finish in any order: the sentences list ports in order
    ports = tuple(sorted(seen, key=lambda p: p.external))
    out25, nat = by_id.get("outbound_25"), by_id.get("nat")
    hop = str(nat.details.get("upstream_hop") or "") if nat else ""
    return Evidence(
        network=not (lan is not None and lan.status == "fail"),
        gateway=str(lan.details.get("gateway") or gateway) if lan else gateway,
        ports=ports,
        router_found=bool(router and (router.details.get("upnp") or router.details.get("natpmp"))),
        router_public=_public(router),
        router_private=_private(router),
        nat=detail("nat", "kind"),
        ip=detail("ip_kind", "kind"),
        outbound_25=detail("outbound_25", "outcome"),
        relay=str(out25.details.get("smarthost") or "") if out25 else "",
        # a public box past the router is the ISP's: only a non-public one is evidence
        upstream_hop=hop if hop and not is_routable_for_us(hop) else "",
    )


def _public(router: CheckResult | None) -> bool:
    """The router reports a public external address (by UPnP or NAT-PMP)."""
    if router is None:
        return False
    ext = str(
        router.details.get("upnp_external_ip") or router.details.get("natpmp_external_ip") or ""
    )
    return bool(ext) and is_routable_for_us(ext)


def _private(router: CheckResult | None) -> str:
    """The router's external address when it is a private one, else ""."""
    if router is None:
        return ""
    ext = str(
        router.details.get("upnp_external_ip") or router.details.get("natpmp_external_ip") or ""
    )
    return ext if ext and classify(ext) == "private" else ""


def subscription_verdict(
    results: list[CheckResult],
    mapped: Collection[int] = (),
    gateway: str = "",
    refused: Collection[int] = (),
) -> SubscriptionVerdict:
    """Decide from the other checks and what the router said to the last forwarding."""
    e = evidence(results, mapped, gateway, refused)
    d = decide(e)
    # a failed reachability probe is not a verdict: its reachable is None, so
    # the table treats it as untested
    limits = [m.english() for m in d.limits]
    summary = d.summary.english()
    if limits and d.hosting == "allows_with_limits":
        summary += ", with limits: " + "; ".join(limits)

    def msgs(items: list[Msg]) -> list[dict[str, Any]]:
        return [m.to_dict() for m in items]

    return SubscriptionVerdict(
        d.hosting,
        summary,
        e.ip,
        d.nat,
        e.outbound_25,
        d.low_ports,
        limits,
        [m.english() for m in d.advice],
        d.row,
        {"summary": d.summary.to_dict(), "limits": msgs(d.limits), "advice": msgs(d.advice)},
    )


def subscription_result(verdict: SubscriptionVerdict) -> CheckResult:
    """The verdict as the last check of the list."""
    statuses: dict[Hosting, Status] = {
        "allows": "ok",
        "allows_with_limits": "warn",
        "unknown": "warn",
        "does_not_allow": "fail",
    }
    status = statuses[verdict.hosting]
    return CheckResult(
        "subscription",
        "Subscription",
        status,
        verdict.summary,
        verdict.to_dict(),
        " ".join(verdict.advice),
    )
