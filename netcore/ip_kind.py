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

from netcore.checks.verdict_messages import ENGLISH, Msg

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

ADVICE_DYNAMIC = ENGLISH["ipk.adv.dynamic"]
ADVICE_UNKNOWN = ENGLISH["ipk.adv.unknown"]


@dataclass(frozen=True)
class IpKindVerdict:
    """Fixed or dynamic, and why.

    ``reasons`` and ``advice`` are English; ``why`` and ``advice_message``
    are the same as message ids, for a front end to word.
    """

    kind: IpKind
    reasons: list[str] = field(default_factory=list)
    advice: str = ""
    why: tuple[Msg, ...] = ()
    advice_message: Msg | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "reasons": list(self.reasons), "advice": self.advice}

    def adding(self, reason: Msg) -> IpKindVerdict:
        """The same verdict with one more reason."""
        reasons = [*self.reasons, reason.english()]
        return IpKindVerdict(
            self.kind, reasons, self.advice, (*self.why, reason), self.advice_message
        )


def _verdict(kind: IpKind, why: list[Msg], advice: str = "") -> IpKindVerdict:
    """A verdict whose English words are its messages' English defaults."""
    message = Msg(f"ipk.adv.{advice}") if advice else None
    english = message.english() if message else ""
    return IpKindVerdict(kind, [m.english() for m in why], english, tuple(why), message)


def _spelled(address: str, name: str) -> bool:
    """True if the four IPv4 octets appear in ``name`` in either order."""
    octets = address.split(".")
    if len(octets) != 4:
        return False
    numbers = re.findall(r"\d+", name)
    joined = ".".join(numbers)
    return ".".join(octets) in joined or ".".join(reversed(octets)) in joined


def rdns_hint(name: str, address: str) -> tuple[RdnsHint, Msg]:
    """Read a reverse DNS name for a hint about the address.

    Args:
        name: the PTR name ("" when none).
        address: the address it belongs to.

    Returns:
        (hint, reason): "dynamic" for pool-like names, "fixed" for static or
        business-like names, "none" when the name says nothing.
    """
    if not name:
        return "none", Msg("ipk.rdns.none")
    clean = name.lower().rstrip(".")
    tokens = {t for t in _SPLIT.split(clean) if t}
    dyn = sorted(tokens & DYNAMIC_TOKENS)
    if _spelled(address, clean):
        return "dynamic", Msg("ipk.rdns.spelled", {"name": clean})
    if dyn:
        return "dynamic", Msg("ipk.rdns.pool", {"name": clean, "tokens": ", ".join(dyn)})
    fixed = sorted(tokens & FIXED_TOKENS)
    if fixed:
        return "fixed", Msg("ipk.rdns.fixed_tokens", {"name": clean, "tokens": ", ".join(fixed)})
    if len(clean.split(".")) <= 3:
        # "mail.office.be": a short name of the customer's own, not an ISP pool
        return "fixed", Msg("ipk.rdns.own_name", {"name": clean})
    return "none", Msg("ipk.rdns.no_hint", {"name": clean})


def ip_kind_verdict(
    *,
    changes: int,
    observations: int,
    span_s: float,
    admin: str,
    profile_fixed: bool | None,
    rdns: tuple[RdnsHint, Msg],
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
    reasons: list[Msg] = []
    if changes:
        reasons.append(Msg("ipk.changed", {"count": str(changes)}))
        if admin == "yes":
            reasons.append(Msg("ipk.admin_yes_changed"))
        return _verdict("dynamic", reasons, "dynamic")
    if admin == "yes":
        return _verdict("fixed", [Msg("ipk.admin_yes")])
    if admin == "no":
        return _verdict("dynamic", [Msg("ipk.admin_no")], "dynamic")
    hint, why = rdns
    if profile_fixed is not None:
        reasons.append(Msg("ipk.profile_fixed" if profile_fixed else "ipk.profile_dynamic"))
        reasons.append(why)
        return _verdict(
            "fixed" if profile_fixed else "dynamic", reasons, "" if profile_fixed else "dynamic"
        )
    reasons.append(why)
    if hint == "dynamic":
        return _verdict("dynamic", reasons, "dynamic")
    if observations:
        days = span_s / 86400
        reasons.append(
            Msg("ipk.no_change", {"days": f"{days:.1f}"}) if days >= 0.1 else Msg("ipk.too_short")
        )
    if hint == "fixed":
        return _verdict("fixed", reasons, "unknown")
    return _verdict("unknown", reasons, "unknown")
