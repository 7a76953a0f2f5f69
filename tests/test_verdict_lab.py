"""The subscription verdict in the lab's office router scenarios (issue 16, finding 1, 2, 6).

Each test runs ``pmemail doctor --json`` in lab-lan against the real
miniupnpd and asserts the decision table's row, ``hosting`` and the advice:
an open IGD, secure mode, an ACL, NAT-PMP only, forwards by hand, a refused
apply. What lies beyond the router is in tests/test_verdict_lab_upstream.py;
the pure table is tested row by row in tests/test_verdict_table.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.doctor_lab_support import (
    PORTS,
    apply_and_serve,
    assert_verdict,
    pmemail,
    with_config,
)
from tests.lab import Lab, RouterConfig
from tests.lab.constants import LAN_GW, LAN_NET, LAN_PC, LAN_SRV, NS_LAN, NS_PC, NS_ROUTER

pytestmark = pytest.mark.lab


@pytest.fixture
def by_hand(silent_router: Lab) -> Iterator[Lab]:
    """The silent router with 1234/1235 forwarded by hand (removed afterwards)."""
    forward_by_hand(silent_router)
    try:
        yield silent_router
    finally:  # the router's reset rebuilds inet filter, not this table
        silent_router.run(NS_ROUTER, ["nft", "delete", "table", "ip", "byhand"], check=False)


def forward_by_hand(lab: Lab) -> None:
    """What the admin types into the router's page: DNAT 1234/1235 to the server."""
    ports = ", ".join(str(p) for p in PORTS)
    lab.run(
        NS_ROUTER,
        ["nft", "-f", "-"],
        input_text=f"""
table ip byhand {{
    chain prerouting {{
        type nat hook prerouting priority dstnat - 5; policy accept;
        iifname "wan" tcp dport {{ {ports} }} dnat to {LAN_SRV}
    }}
}}
add rule inet filter forward ip daddr {LAN_SRV} tcp dport {{ {ports} }} accept
""",
    )


def assert_refused(doc: dict[str, Any], ports: str) -> dict[str, Any]:
    """The verdict when the router refused ``ports`` and the others answer: add them by hand."""
    verdict = assert_verdict(
        doc,
        "some_reached",
        "allows_with_limits",
        nat="nat",
        limits=("limit.not_reached",),
        advice=("advice.refused_by_router",),
    )
    assert verdict["messages"]["limits"][0]["params"]["ports"] == ports
    assert ports in verdict["advice"][0]
    return verdict


def test_hand_made_forwards_reachable_means_allows(by_hand: Lab, conf: Path) -> None:
    """No UPnP/NAT-PMP, ports forwarded by hand and answering from outside: allows."""
    by_hand.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    doc = pmemail(by_hand, conf, "doctor")
    # no router to compare with: the NAT stays unknown, reachability decides
    assert_verdict(doc, "all_reached", "allows", nat="unknown")


def test_no_router_no_forwards_says_forward_by_hand_at_the_gateway(
    silent_router: Lab, conf: Path
) -> None:
    """No UPnP/NAT-PMP, nothing forwarded: unknown, with manual steps at the real gateway."""
    doc = pmemail(silent_router, conf, "doctor")
    verdict = assert_verdict(
        doc, "no_router_not_forwarded", "unknown", nat="unknown", advice=("advice.forward_by_hand",)
    )
    assert f"http://{LAN_GW}" in verdict["advice"][0] and "1234, 1235" in verdict["advice"][0]


def test_before_and_after_forwarding_on_an_open_igd(router: Lab, conf: Path) -> None:
    """Open IGD: before forwarding 'run the forwarding'; after it, allows."""
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    before = pmemail(router, conf, "doctor")
    assert_verdict(
        before, "router_not_forwarded", "allows", nat="nat", advice=("advice.run_forwarding",)
    )
    applied = pmemail(router, conf, "ports", "apply")
    assert {p["status"] for p in applied["ports"]} == {"mapped"}, applied
    after = pmemail(router, conf, "doctor")
    assert_verdict(after, "all_reached", "allows", nat="nat")


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_natpmp_only_router_before_forwarding(router: Lab, conf: Path) -> None:
    """NAT-PMP only: the router is found, the advice is to run the forwarding."""
    doc = pmemail(router, conf, "doctor")
    assert doc["router"]["natpmp"] and not doc["router"]["upnp"]
    assert_verdict(
        doc, "router_not_forwarded", "allows", nat="nat", advice=("advice.run_forwarding",)
    )


ONLY_1234 = (f"allow 1234-1234 {LAN_NET} 1-65535", "deny 0-65535 0.0.0.0/0 0-65535")


@pytest.mark.parametrize("router", [RouterConfig(permissions=ONLY_1234)], indirect=True)
def test_after_a_refused_apply_the_advice_is_manual(router: Lab, conf: Path) -> None:
    """The router refused 1235: the doctor says add it by hand, not 'run the forwarding'."""
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    applied = pmemail(router, conf, "ports", "apply")
    assert {p["external"]: p["status"] for p in applied["ports"]} == {
        1234: "mapped",
        1235: "failed",
    }
    doc = pmemail(router, conf, "doctor")
    assert_refused(doc, "1235")
    assert f"http://{LAN_GW}" in doc["verdict"]["advice"][0]


SECURE_RDP = (
    "[ports.remote_desktop]\nenabled = false",
    f'[ports.remote_desktop]\nexternal = 20800\ninternal = 3389\ninternal_host = "{LAN_PC}"',
)


def test_secure_mode_refusal_verdict(router: Lab, conf: Path) -> None:
    """Secure mode (stock): 20800 -> lab-pc refused (718); the mail ports answer.

    Full verdict: the line allows with one limit (20800 not reached), and the
    advice is to add 20800 by hand on the router, never "run the forwarding" again.
    """
    with_config(conf, *SECURE_RDP)
    router.serve_banner(NS_PC, [3389], name="pc")
    applied = apply_and_serve(router, conf)
    outcome = {p["external"]: (p["status"], p.get("code")) for p in applied["ports"]}
    assert outcome[1234][0] == outcome[1235][0] == "mapped", applied
    assert outcome[20800][0] == "failed" and outcome[20800][1] in (718, 606), applied
    doc = pmemail(router, conf, "doctor")
    verdict = assert_refused(doc, "20800")
    assert "20800" in verdict["advice"][0] and f"http://{LAN_GW}" in verdict["advice"][0]


OPENWRT_IMAP = (
    "[ports.imap]\nenabled = false",
    "[ports.imap]\nexternal = 143\ninternal = 11143",
)


@pytest.mark.parametrize("router", [RouterConfig.openwrt()], indirect=True)
def test_openwrt_acl_refuses_the_low_port(router: Lab, conf: Path) -> None:
    """OpenWrt's ACL (1024-65535 only): 143 refused (606), 1234/1235 mapped and reached.

    Not "the ISP filters ports below 1024": 143 was never forwarded, the
    router refused it, so the advice is to add it by hand (or the fallback).
    """
    with_config(conf, *OPENWRT_IMAP)
    router.serve_banner(NS_LAN, [11143], name="imap")
    applied = apply_and_serve(router, conf)
    outcome = {p["external"]: p["status"] for p in applied["ports"]}
    assert outcome == {143: "failed", 1234: "mapped", 1235: "mapped"}, applied
    doc = pmemail(router, conf, "doctor")
    verdict = assert_refused(doc, "143")
    assert "below 1024" not in json.dumps(verdict)
