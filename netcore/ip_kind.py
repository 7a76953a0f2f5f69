"""Fixed or dynamic public address: a verdict with its reasons and advice.

Four kinds of evidence, strongest first:

1. the history of observed addresses (a change seen is proof: dynamic);
2. the admin's own answer (``isp.fixed_ip``);
3. the ISP profile (e.g. "a fixed address needs a pro plan");
4. the reverse DNS name of the address: ISPs name dynamic pools with tokens
   such as ``dyn``, ``dhcp``, ``pool``, ``dsl`` or spell the address in the
   name (``81-243-12-7.adsl.isp.example``); fixed addresses get "static"
   names or the customer's own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

IpKind = Literal["fixed", "dynamic", "unknown"]
RdnsHint = Literal["fixed", "dynamic", "none"]

DYNAMIC_TOKENS = frozenset(
    {
        "dyn",
        "dynamic",
        "dhcp",
        "pool",
        "dsl",
        "adsl",
        "vdsl",
        "xdsl",
        "cable",
        "cust",
        "customer",
        "dialup",
        "ppp",
        "pppoe",
        "dip",
        "ip",
    }
)
FIXED_TOKENS = frozenset(
    {"static", "fixed", "fix", "business", "biz", "pro", "srv", "server", "mail", "mx", "smtp"}
)
# ISP pool names glue tokens to digits: "dyn123", "adsl-dyn", "cust7"
_SPLIT = re.compile(r"[^a-z]+")

ADVICE_DYNAMIC = (
    "the address changes: mail from the internet needs a dynamic DNS name that "
    "follows it (and it still looks like a home line to other mail servers). "
    'The clean answer is a professional ("pro"/"office") plan with a fixed '
    "address. On cable the address usually stays while the modem stays "
    "connected; on ADSL it can change several times a day."
)
ADVICE_UNKNOWN = (
    "ask your ISP whether the contract includes a fixed address (set "
    "isp.fixed_ip in the config once you know); a professional plan with a fixed "
    "address is the clean answer for a mail server."
)


@dataclass(frozen=True)
class IpKindVerdict:
    """Fixed or dynamic, and why."""

    kind: IpKind
    reasons: list[str] = field(default_factory=list)
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "reasons": list(self.reasons), "advice": self.advice}


def _spelled(address: str, name: str) -> bool:
    """True if the four IPv4 octets appear in ``name`` in either order."""
    octets = address.split(".")
    if len(octets) != 4:
        return False
    numbers = re.findall(r"\d+", name)
    joined = ".".join(numbers)
    return ".".join(octets) in joined or ".".join(reversed(octets)) in joined


def rdns_hint(name: str, address: str) -> tuple[RdnsHint, str]:
    """Read a reverse DNS name for a hint about the address.

    Args:
        name: the PTR name ("" when none).
        address: the address it belongs to.

    Returns:
        (hint, reason): "dynamic" for pool-like names, "fixed" for static or
        business-like names, "none" when the name says nothing.
    """
    if not name:
        return "none", "the address has no reverse DNS name"
    clean = name.lower().rstrip(".")
    tokens = {t for t in _SPLIT.split(clean) if t}
    dyn = sorted(tokens & DYNAMIC_TOKENS)
    if _spelled(address, clean):
        return "dynamic", f"its reverse DNS name {clean} spells the address (an ISP pool name)"
    if dyn:
        return "dynamic", f"its reverse DNS name {clean} contains {', '.join(dyn)} (an ISP pool)"
    fixed = sorted(tokens & FIXED_TOKENS)
    if fixed:
        return "fixed", f"its reverse DNS name {clean} contains {', '.join(fixed)}"
    if len(clean.split(".")) <= 3:
        # "mail.office.be": a short name of the customer's own, not an ISP pool
        return "fixed", f"its reverse DNS name {clean} looks like a business's own name"
    return "none", f"its reverse DNS name {clean} gives no hint"


def ip_kind_verdict(
    *,
    changes: int,
    observations: int,
    span_s: float,
    admin: str,
    profile_fixed: bool | None,
    rdns: tuple[RdnsHint, str],
) -> IpKindVerdict:
    """Combine the evidence into one verdict.

    Args:
        changes: how many times the public address changed in the history.
        observations: how many distinct observations the history holds.
        span_s: seconds the history covers.
        admin: the admin's answer ``isp.fixed_ip`` (yes / no / unknown).
        profile_fixed: the ISP profile says the plan has a fixed address
            (True), a dynamic one (False), or does not say (None).
        rdns: the reverse DNS hint from :func:`rdns_hint`.
    """
    reasons: list[str] = []
    if changes:
        reasons.append(f"the public address changed {changes} time(s) in the recorded history")
        if admin == "yes":
            reasons.append("you answered that the address is fixed, but it did change")
        return IpKindVerdict("dynamic", reasons, ADVICE_DYNAMIC)
    if admin == "yes":
        reasons.append("you answered that the contract gives a fixed address")
        return IpKindVerdict("fixed", reasons)
    if admin == "no":
        reasons.append("you answered that the address is not fixed")
        return IpKindVerdict("dynamic", reasons, ADVICE_DYNAMIC)
    hint, why = rdns
    if profile_fixed is not None:
        reasons.append(
            "the ISP profile says this plan's address is "
            + ("fixed" if profile_fixed else "dynamic")
        )
        reasons.append(why)
        return IpKindVerdict(
            "fixed" if profile_fixed else "dynamic",
            reasons,
            "" if profile_fixed else ADVICE_DYNAMIC,
        )
    reasons.append(why)
    if hint == "dynamic":
        return IpKindVerdict("dynamic", reasons, ADVICE_DYNAMIC)
    if observations:
        days = span_s / 86400
        reasons.append(
            f"no change seen in {days:.1f} day(s) of history"
            if days >= 0.1
            else "the history is too short to tell"
        )
    if hint == "fixed":
        return IpKindVerdict("fixed", reasons, ADVICE_UNKNOWN)
    return IpKindVerdict("unknown", reasons, ADVICE_UNKNOWN)
