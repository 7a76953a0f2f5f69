"""The subscription verdict when the limit lies beyond the router (issue 16, finding 1, 2, 6).

Each test runs ``pmemail doctor --json`` in lab-lan against the real
miniupnpd and asserts the decision table's row, ``hosting`` and the advice:
CGNAT, double NAT behind the ISP's modem, an upstream filter, outbound 25
blocked, an address change, DNS broken, the echo service down. The office
router's own scenarios are in tests/test_verdict_lab.py.
"""

from __future__ import annotations

import json
import sys
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
from tests.lab.constants import CGN_LAN, ISP_IP, MODEM_LAN, NS_LAN, NS_WAN, WAN_IP

pytestmark = pytest.mark.lab


def test_mapped_but_unreachable_blames_upstream_not_low_ports(router: Lab, conf: Path) -> None:
    """Mapped on the router, filtered before it (an upstream box): no 'below 1024' story."""
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    applied = pmemail(router, conf, "ports", "apply")
    assert {p["status"] for p in applied["ports"]} == {"mapped"}, applied
    ports = ", ".join(str(p) for p in PORTS)
    router.run(  # the ISP's modem in router mode, or an ISP filter, in front of the router
        NS_WAN,
        ["nft", "-f", "-"],
        input_text=f"""
table inet upstream {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip daddr {WAN_IP} tcp dport {{ {ports} }} drop
    }}
}}
""",
    )
    try:
        doc = pmemail(router, conf, "doctor")
        human = router.run(
            NS_LAN,
            [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor"],
            check=False,
            timeout=60,
        ).stdout
    finally:
        router.run(NS_WAN, ["nft", "delete", "table", "inet", "upstream"], check=False)
    # the box past the router is the ISP itself (public): a filter, not a modem's NAT
    verdict = assert_verdict(
        doc,
        "mapped_unreached",
        "does_not_allow",
        nat="nat",
        limits=("limit.upstream",),
        advice=("advice.upstream", "advice.ask_public_ipv4", "advice.meanwhile"),
    )
    assert "1234, 1235" in verdict["summary"]
    assert "below 1024" not in json.dumps(verdict)
    # the human report does not contradict it with "forward it" per port
    assert "→ if an ISP modem sits in front of the router" in human, human
    assert "forward it (`pmemail ports apply`)" not in human


@pytest.mark.parametrize("router", [RouterConfig.cgnat()], indirect=True)
def test_cgnat_verdict_ends_in_isp_advice(router: Lab, conf: Path) -> None:
    """No external address on the router: does not allow; public IPv4, meanwhile collector/relay."""
    doc = pmemail(router, conf, "doctor")
    assert_verdict(
        doc,
        "cgnat",
        "does_not_allow",
        nat="double_nat",
        advice=("advice.ask_public_ipv4", "advice.meanwhile"),
    )


@pytest.mark.parametrize("router", [RouterConfig(block25=True)], indirect=True)
def test_blocked_25_puts_the_relay_in_the_advice(router: Lab, conf: Path) -> None:
    """Outbound 25 blocked: the Proximus relay is advice, not only a limit."""
    doc = pmemail(router, conf, "doctor")
    assert_verdict(
        doc,
        "router_not_forwarded",
        "allows_with_limits",
        nat="nat",
        outbound_25="blocked",
        limits=("limit.out25_relay",),
        advice=("advice.run_forwarding", "advice.relay"),
    )
    assert any("relay.proximus.be" in a for a in doc["verdict"]["advice"])


def test_address_change_gives_dynamic_dns_advice(router: Lab, conf: Path) -> None:
    """A public address that changed: dynamic, with the dynamic-DNS advice."""
    with_config(conf, 'fixed_ip = "yes"', 'fixed_ip = "unknown"')
    pmemail(router, conf, "doctor")
    router.change_public_ip("203.0.113.3")
    doc = pmemail(router, conf, "doctor")
    assert_verdict(
        doc,
        "router_not_forwarded",
        "allows_with_limits",
        nat="nat",
        ip="dynamic",
        limits=("limit.dynamic",),
        advice=("advice.run_forwarding", "advice.dynamic_dns"),
    )


def test_echo_service_down_is_untested_not_a_guess(router: Lab, conf: Path) -> None:
    """No echo service answers: the router's word, with 'not verified' and echo advice."""
    with_config(conf, f'echo_url = ["http://{ISP_IP}"]', f'echo_url = ["http://{ISP_IP}:9"]')
    doc = pmemail(router, conf, "doctor")
    # no outside view: the NAT is unknown, the router's public address speaks
    assert_verdict(
        doc,
        "untested_router_ok",
        "allows_with_limits",
        nat="unknown",
        limits=("limit.untested",),
        advice=("advice.echo",),
    )
    assert "Errno" not in json.dumps(doc["checks"])


def test_dns_broken_findings_say_who_did_not_answer(router: Lab, conf: Path) -> None:
    """A resolver that never answers: findings name the DNS server, no raw errno text."""
    with_config(conf, f'resolver = "{ISP_IP}"', 'resolver = "203.0.113.9"')
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    doc = pmemail(router, conf, "doctor")
    text = json.dumps([(c["finding"], c["advice"]) for c in doc["checks"]])
    assert "Errno" not in text and "Temporary failure" not in text
    dns = next(c for c in doc["checks"] if c["id"] == "dns")
    assert dns["status"] != "ok" and "DNS" in dns["finding"], dns
    # DNS does not decide hosting
    assert_verdict(
        doc, "router_not_forwarded", "allows", nat="nat", advice=("advice.run_forwarding",)
    )


def mapped_behind(lab: Lab, conf: Path, box: str) -> dict[str, Any]:
    """Forward 1234/1235 behind an upstream box at ``box``; the doctor's document.

    The router maps them, the box stops them, and the hop probe names the box.
    """
    applied = apply_and_serve(lab, conf)
    assert {p["status"] for p in applied["ports"]} == {"mapped"}, applied
    assert lab.connect_from_wan(PORTS[0], timeout=1.5) is None  # the box stops it
    doc = pmemail(lab, conf, "doctor")
    nat = next(c for c in doc["checks"] if c["id"] == "nat")
    assert nat["details"]["upstream_hop"] == box.split("/")[0], nat
    return doc


@pytest.mark.parametrize("router", [RouterConfig.behind_modem()], indirect=True)
def test_double_nat_behind_the_isp_modem_advises_bridge_mode(router: Lab, conf: Path) -> None:
    """The ISP's modem in router mode: the router maps, nothing gets in; bridge the modem.

    The router's WAN is 192.168.100.2 behind lab-modem (203.0.113.2); miniupnpd
    learns the public address by STUN and grants the mappings, so the NAT
    check sees one NAT. The outside probe and the hop past the router
    (192.168.100.1) tell: double NAT, not CGNAT (no 100.64/10 anywhere), not
    "ports below 1024" (1234/1235 are high).
    """
    doc = mapped_behind(router, conf, MODEM_LAN)
    verdict = assert_verdict(
        doc,
        "double_nat",
        "does_not_allow",
        nat="double_nat",
        limits=("limit.upstream",),
        advice=("advice.bridge_modem_ahead", "advice.ask_public_ipv4"),
    )
    assert "1234, 1235" in verdict["limits"][0]
    assert "double NAT" in verdict["summary"] and "192.168.100.1" in verdict["summary"]
    assert "bridge mode" in verdict["advice"][0] and "1234, 1235 on it" in verdict["advice"][0]
    words = json.dumps(verdict)
    assert "carrier-grade" not in words and "below 1024" not in words
    # the admin reads it in French too (same run's data: the second run sees the same line)
    with_config(conf, 'data_dir = "', 'language = "fr"\ndata_dir = "')
    human = router.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(conf), "doctor"],
        check=False,
        timeout=60,
    ).stdout
    assert "(double NAT)" in human and "192.168.100.1" in human, human
    assert "→ le boîtier à l'adresse 192.168.100.1 devant le routeur" in human, human
    assert "mode bridge" in human and "CGNAT" not in human


@pytest.mark.parametrize("router", [RouterConfig.behind_cgn()], indirect=True)
def test_wan_in_shared_space_re_nated_is_cgnat(router: Lab, conf: Path) -> None:
    """The router's WAN in 100.64/10 behind the ISP's NAT: mapped yet unreachable, CGNAT."""
    doc = mapped_behind(router, conf, CGN_LAN)
    assert_verdict(
        doc,
        "cgnat",
        "does_not_allow",
        nat="double_nat",
        limits=("limit.upstream",),
        advice=("advice.ask_public_ipv4", "advice.meanwhile"),
    )
