"""How many NATs stand between the office and the internet.

Compares three views of the address: this machine's LAN address, the
router's external address (UPnP / NAT-PMP) and the address an outside echo
service sees. Port forwarding on the office router only helps when the
router itself holds the address the internet sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from netcore.addresses import KIND_WORDS, classify, is_routable_for_us

NatKind = Literal["direct", "nat", "double_nat", "unknown"]

ASK_ISP = (
    'ask your ISP for a public IPv4 address on the router ("bridge"/"full-stack" '
    "mode, or a professional plan with a fixed address): behind their NAT, "
    "no port forwarding can work"
)


@dataclass(frozen=True)
class NatVerdict:
    """The NAT situation in words.

    Attributes:
        kind: direct (public address on this machine), nat (one NAT: the
            normal office), double_nat (CGNAT or a second router), unknown.
        forwarding_possible: True/False/None (cannot tell).
        reasons: why, one sentence each.
        advice: what to do ("" when nothing).
    """

    kind: NatKind
    forwarding_possible: bool | None
    reasons: list[str] = field(default_factory=list)
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind,
            "forwarding_possible": self.forwarding_possible,
            "reasons": list(self.reasons),
            "advice": self.advice,
        }


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
    if outside and lan_address == outside:
        return NatVerdict(
            "direct",
            True,
            [f"this machine holds the public address {outside} itself: no router in between"],
            "no port forwarding is needed; a firewall on this machine must allow the mail ports",
        )
    if router_found and not router_external:
        return NatVerdict(
            "double_nat",
            False,
            [
                "the router has no usable external address: it sits behind the ISP's "
                "carrier-grade NAT or behind another router"
            ],
            ASK_ISP,
        )
    if router_external and not is_routable_for_us(router_external):
        kind = classify(router_external)
        return NatVerdict(
            "double_nat",
            False,
            [
                f"the router's internet side has {router_external}, {KIND_WORDS[kind]}: "
                "another NAT (the ISP's or a second box) stands in front of it"
            ],
            ASK_ISP,
        )
    if router_external and outside and router_external != outside:
        return NatVerdict(
            "double_nat",
            False,
            [
                f"the router says its address is {router_external} but the internet sees "
                f"{outside}: there is another NAT in between"
            ],
            ASK_ISP,
        )
    if router_external and outside:
        return NatVerdict(
            "nat",
            True,
            [
                f"the router holds the public address {outside} (seen the same from outside): "
                "one NAT, the normal office set-up"
            ],
        )
    if outside and not is_routable_for_us(outside):
        return NatVerdict(
            "unknown", None, [f"the echo service saw {outside}, {KIND_WORDS[classify(outside)]}"]
        )
    if outside:
        return NatVerdict(
            "unknown",
            None,
            [
                f"the internet sees {outside}, but the router did not answer UPnP or NAT-PMP, "
                "so its own address is unknown"
            ],
            "enable UPnP on the router, or check its status page: if its internet address "
            f"is not {outside}, there is a second NAT",
        )
    return NatVerdict(
        "unknown",
        None,
        ["no echo service answered: the public address is unknown (is the internet reachable?)"],
    )
