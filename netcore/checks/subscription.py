"""The subscription verdict: can this internet line host a mail server?

Reads the other checks' results and says it in words. Only carrier-grade
NAT or double NAT makes hosting impossible; a dynamic address, blocked
outbound 25 or filtered low ports are limits with a workaround, each named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from netcore.checks.result import CheckResult, Status

Hosting = Literal["allows", "allows_with_limits", "does_not_allow", "unknown"]
PRO_PLAN = "ask your ISP for a professional plan with a fixed public address"


@dataclass(frozen=True)
class SubscriptionVerdict:
    """The decision and its ingredients.

    Attributes:
        hosting: allows / allows_with_limits / does_not_allow / unknown.
        summary: one sentence for the admin.
        ip: fixed / dynamic / unknown.
        nat: direct / nat / double_nat / unknown.
        outbound_25: open / blocked / refused / unknown.
        low_ports: reachable / filtered / unknown (ports below 1024 of the plan).
        limits: one sentence per limit found.
        advice: what to do, one sentence each.
    """

    hosting: Hosting
    summary: str
    ip: str = "unknown"
    nat: str = "unknown"
    outbound_25: str = "unknown"
    low_ports: str = "unknown"
    limits: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

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
        }


def _low_ports(results: list[CheckResult]) -> str:
    low = [
        r.details.get("reachable")
        for r in results
        if r.id.startswith("inbound.") and r.details.get("low_port")
    ]
    if not low or any(v is None for v in low):
        return "unknown"
    return "reachable" if all(low) else "filtered"


def subscription_verdict(results: list[CheckResult]) -> SubscriptionVerdict:
    """Decide from the other checks (by id: nat, ip_kind, outbound_25, inbound.*)."""
    by_id = {r.id: r for r in results}

    def detail(check: str, key: str) -> str:
        r = by_id.get(check)
        return str(r.details.get(key) or "unknown") if r else "unknown"

    nat, ip = detail("nat", "kind"), detail("ip_kind", "kind")
    out25, low = detail("outbound_25", "outcome"), _low_ports(results)
    limits: list[str] = []
    advice: list[str] = []
    if nat == "double_nat":
        limits.append(
            "the line is behind carrier-grade NAT or a second router: "
            "the internet cannot reach the office"
        )
        advice.append(PRO_PLAN + " (a public address on the router)")
        return SubscriptionVerdict(
            "does_not_allow",
            "your subscription does not allow hosting mail: " + PRO_PLAN,
            ip,
            nat,
            out25,
            low,
            limits,
            advice,
        )
    if ip == "dynamic":
        limits.append(
            "the public address is dynamic: a dynamic DNS name is needed and "
            "other servers may treat the line as residential"
        )
        advice.append(PRO_PLAN)
    elif ip == "unknown":
        limits.append("whether the address is fixed is not known yet")
    if out25 == "blocked":
        r = by_id["outbound_25"]
        host = str(r.details.get("smarthost") or "") or "the ISP's relay (ask your ISP)"
        limits.append(f"outbound port 25 is blocked: outgoing mail must go through {host}")
    if low == "filtered":
        limits.append(
            "ports below 1024 of the plan are not reachable from the internet "
            "(not forwarded yet, or filtered by the ISP)"
        )
    if nat == "unknown":
        return SubscriptionVerdict(
            "unknown",
            "cannot tell yet whether your subscription allows hosting mail: "
            "the NAT situation is unknown",
            ip,
            nat,
            out25,
            low,
            limits,
            advice,
        )
    if limits:
        return SubscriptionVerdict(
            "allows_with_limits",
            "your subscription allows hosting mail, with limits: " + "; ".join(limits),
            ip,
            nat,
            out25,
            low,
            limits,
            advice,
        )
    return SubscriptionVerdict(
        "allows", "your subscription allows hosting mail", ip, nat, out25, low, limits, advice
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
