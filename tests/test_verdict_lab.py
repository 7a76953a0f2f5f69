"""The subscription verdict in the lab's router scenarios (issue 16, finding 1, 2, 6).

Each test runs ``pmemail doctor --json`` in lab-lan against the real
miniupnpd and asserts the decision table's row, ``hosting`` and the advice.
The pure table is tested row by row in tests/test_verdict_table.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Lab, RouterConfig
from tests.lab.constants import (
    CGN_LAN,
    ISP_IP,
    LAN_GW,
    LAN_NET,
    LAN_PC,
    LAN_SRV,
    MODEM_LAN,
    NS_LAN,
    NS_PC,
    NS_ROUTER,
    NS_WAN,
    REMOTE_IP,
    WAN_IP,
)

pytestmark = pytest.mark.lab

PORTS = (1234, 1235)
CONFIG = f"""\
data_dir = "{{data}}"
[isp]
profile = "proximus"
fixed_ip = "yes"
[network]
echo_url = ["http://{ISP_IP}"]
port25_probes = ["{REMOTE_IP}:25", "{REMOTE_IP}:587"]
resolver = "{ISP_IP}"
dns_timeout = 0.3
connect_timeout = 1.5
http_timeout = 3.0
upnp_discover_ms = 800
natpmp_timeout = 0.8
check_timeout = 8.0
[ports.smtp]
enabled = false
[ports.imap]
enabled = false
[ports.pop3]
enabled = false
[ports.remote_desktop]
enabled = false
[ports.https]
enabled = false
[ports.submission]
external = 1234
internal = 1234
[ports.webmail]
external = 1235
internal = 1235
"""


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A config whose plan is 1234 and 1235, fixed address (so only reachability decides)."""
    path = tmp_path / "pmemail.toml"
    path.write_text(CONFIG.format(data=tmp_path / "data"))
    return path


def pmemail(lab: Lab, conf: Path, *args: str) -> dict[str, Any]:
    """``pmemail --config CONF ARGS --json`` in lab-lan; the document."""
    res = lab.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(conf), *args, "--json"],
        check=False,
        timeout=60,
    )
    assert res.returncode in (0, 1, 2), res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def advice_ids(doc: dict[str, Any]) -> list[str]:
    """The verdict's advice as message ids."""
    return [m["id"] for m in doc["verdict"]["messages"]["advice"]]


def assert_verdict(
    doc: dict[str, Any],
    row: str,
    hosting: str,
    *,
    nat: str,
    ip: str = "fixed",
    outbound_25: str = "open",
    low_ports: str = "unknown",
    limits: tuple[str, ...] = (),
    advice: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The whole verdict of a scenario: its row and fields, its limits and advice as ids."""
    verdict: dict[str, Any] = doc["verdict"]
    fields = ("row", "hosting", "nat", "ip", "outbound_25", "low_ports")
    got = {k: verdict[k] for k in fields}
    assert got == dict(zip(fields, (row, hosting, nat, ip, outbound_25, low_ports), strict=True)), (
        verdict
    )
    assert [m["id"] for m in verdict["messages"]["limits"]] == list(limits), verdict
    assert advice_ids(doc) == list(advice), verdict
    # the English words and the ids are the same list
    assert len(verdict["limits"]) == len(limits) and len(verdict["advice"]) == len(advice)
    return verdict


@pytest.fixture
def silent_router(router: Lab) -> Iterator[Lab]:
    """lab-lan cannot hear UPnP, SSDP or NAT-PMP: a router without them, for the doctor."""
    router.run(
        NS_LAN,
        ["nft", "-f", "-"],
        input_text=f"""
table inet nodoctor {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip daddr {{ {LAN_GW}, 239.255.255.250 }} udp dport {{ 1900, 5351 }} drop
        ip daddr {LAN_GW} tcp dport 5000 drop
    }}
}}
""",
    )
    try:
        yield router
    finally:
        router.run(NS_LAN, ["nft", "delete", "table", "inet", "nodoctor"], check=False)


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


def with_config(conf: Path, old: str, new: str) -> Path:
    """The config file with one line changed (a scenario's variant)."""
    text = conf.read_text()
    assert old in text
    conf.write_text(text.replace(old, new))
    return conf


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


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_natpmp_only_router_before_forwarding(router: Lab, conf: Path) -> None:
    """NAT-PMP only: the router is found, the advice is to run the forwarding."""
    doc = pmemail(router, conf, "doctor")
    assert doc["router"]["natpmp"] and not doc["router"]["upnp"]
    assert_verdict(
        doc, "router_not_forwarded", "allows", nat="nat", advice=("advice.run_forwarding",)
    )


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


def apply_and_serve(lab: Lab, conf: Path) -> dict[str, Any]:
    """Banner servers for 1234/1235 in lab-lan, then ``pmemail ports apply``; its document."""
    lab.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    return pmemail(lab, conf, "ports", "apply")


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
