"""How many NATs stand between the office and the internet.

Compares three views of the address: this machine's LAN address, the
router's external address (UPnP / NAT-PMP) and the address an outside echo
service sees. Port forwarding on the office router only helps when the
router itself holds the address the internet sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from netcore.addresses import classify, is_routable_for_us
from netcore.checks.verdict_messages import Msg

NatKind = Literal["direct", "nat", "double_nat", "unknown"]


@dataclass(frozen=True)
class NatVerdict:
    """The NAT situation in words.

    Attributes:
        kind: direct (public address on this machine), nat (one NAT: the
            normal office), double_nat (CGNAT or a second router), unknown.
        forwarding_possible: True/False/None (cannot tell).
        reasons: why, one sentence each (English).
        advice: what to do ("" when nothing, English).
        why: the reasons as message ids (same order).
        advice_message: the advice as a message id (None when nothing).
    """

    kind: NatKind
    forwarding_possible: bool | None
    reasons: list[str] = field(default_factory=list)
    advice: str = ""
    why: tuple[Msg, ...] = ()
    advice_message: Msg | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "forwarding_possible": self.forwarding_possible,
            "reasons": list(self.reasons),
            "advice": self.advice,
        }


def _verdict(
    kind: NatKind, possible: bool | None, reason: Msg, advice: Msg | None = None
) -> NatVerdict:
    """A verdict whose English words are its messages' English defaults."""
    words = advice.english() if advice else ""
    return NatVerdict(kind, possible, [reason.english()], words, (reason,), advice)


def nat_verdict(
    lan_address: str, router_found: bool, router_external: str, outside: str
) -> NatVerdict:
    """Decide the NAT situation from the three views of the address.

    Args:
        lan_address: this machine's address on the LAN ("" if unknown).
        router_found: the router answered UPnP or NAT-PMP.
        router_external: the external address the router reports ("" = none).
        outside: the address the echo service saw ("" = no answer).
    """
    ask_isp = Msg("nat.adv.ask_isp")
    if outside and lan_address == outside:
        return _verdict(
            "direct", True, Msg("nat.direct", {"address": outside}), Msg("nat.adv.direct")
        )
    if router_found and not router_external:
        return _verdict("double_nat", False, Msg("nat.no_external"), ask_isp)
    if router_external and not is_routable_for_us(router_external):
        behind = Msg(f"nat.router_behind.{classify(router_external)}", {"address": router_external})
        return _verdict("double_nat", False, behind, ask_isp)
    if router_external and outside and router_external != outside:
        mismatch = Msg("nat.mismatch", {"router": router_external, "outside": outside})
        return _verdict("double_nat", False, mismatch, ask_isp)
    if router_external and outside:
        return _verdict("nat", True, Msg("nat.one", {"address": outside}))
    if outside and not is_routable_for_us(outside):
        return _verdict(
            "unknown", None, Msg(f"nat.echo_saw.{classify(outside)}", {"address": outside})
        )
    if outside:
        return _verdict(
            "unknown",
            None,
            Msg("nat.no_router", {"address": outside}),
            Msg("nat.adv.no_router", {"address": outside}),
        )
    return _verdict("unknown", None, Msg("nat.no_echo"))
