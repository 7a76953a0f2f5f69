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
    ISP_IP,
    LAN_GW,
    LAN_NET,
    LAN_SRV,
    NS_LAN,
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


def test_hand_made_forwards_reachable_means_allows(by_hand: Lab, conf: Path) -> None:
    """No UPnP/NAT-PMP, ports forwarded by hand and answering from outside: allows."""
    by_hand.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    doc = pmemail(by_hand, conf, "doctor")
    verdict = doc["verdict"]
    assert verdict["row"] == "all_reached", verdict
    assert verdict["hosting"] == "allows" and verdict["low_ports"] == "unknown"
    assert verdict["limits"] == [] and verdict["advice"] == []


def test_no_router_no_forwards_says_forward_by_hand_at_the_gateway(
    silent_router: Lab, conf: Path
) -> None:
    """No UPnP/NAT-PMP, nothing forwarded: unknown, with manual steps at the real gateway."""
    doc = pmemail(silent_router, conf, "doctor")
    verdict = doc["verdict"]
    assert (verdict["row"], verdict["hosting"]) == ("no_router_not_forwarded", "unknown")
    assert advice_ids(doc)[0] == "advice.forward_by_hand"
    assert f"http://{LAN_GW}" in verdict["advice"][0] and "1234, 1235" in verdict["advice"][0]


def test_before_and_after_forwarding_on_an_open_igd(router: Lab, conf: Path) -> None:
    """Open IGD: before forwarding 'run the forwarding'; after it, allows."""
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    before = pmemail(router, conf, "doctor")
    assert before["verdict"]["row"] == "router_not_forwarded", before["verdict"]
    assert before["verdict"]["hosting"] == "allows"
    assert advice_ids(before) == ["advice.run_forwarding"]
    applied = pmemail(router, conf, "ports", "apply")
    assert {p["status"] for p in applied["ports"]} == {"mapped"}, applied
    after = pmemail(router, conf, "doctor")
    assert (after["verdict"]["row"], after["verdict"]["hosting"]) == ("all_reached", "allows")


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
    verdict = doc["verdict"]
    assert (verdict["row"], verdict["hosting"]) == ("mapped_unreached", "does_not_allow")
    assert "1234, 1235" in verdict["summary"]
    assert "below 1024" not in json.dumps(verdict)
    assert advice_ids(doc)[:2] == ["advice.upstream", "advice.ask_public_ipv4"]
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
    verdict = doc["verdict"]
    assert (verdict["row"], verdict["hosting"], verdict["nat"]) == (
        "cgnat",
        "does_not_allow",
        "double_nat",
    )
    assert advice_ids(doc) == ["advice.ask_public_ipv4", "advice.meanwhile"]


@pytest.mark.parametrize("router", [RouterConfig(block25=True)], indirect=True)
def test_blocked_25_puts_the_relay_in_the_advice(router: Lab, conf: Path) -> None:
    """Outbound 25 blocked: the Proximus relay is advice, not only a limit."""
    doc = pmemail(router, conf, "doctor")
    assert doc["verdict"]["outbound_25"] == "blocked"
    assert "advice.relay" in advice_ids(doc)
    assert any("relay.proximus.be" in a for a in doc["verdict"]["advice"])


def test_address_change_gives_dynamic_dns_advice(router: Lab, conf: Path) -> None:
    """A public address that changed: dynamic, with the dynamic-DNS advice."""
    with_config(conf, 'fixed_ip = "yes"', 'fixed_ip = "unknown"')
    pmemail(router, conf, "doctor")
    router.change_public_ip("203.0.113.3")
    doc = pmemail(router, conf, "doctor")
    assert doc["verdict"]["ip"] == "dynamic"
    assert "advice.dynamic_dns" in advice_ids(doc)


def test_echo_service_down_is_untested_not_a_guess(router: Lab, conf: Path) -> None:
    """No echo service answers: the router's word, with 'not verified' and echo advice."""
    with_config(conf, f'echo_url = ["http://{ISP_IP}"]', f'echo_url = ["http://{ISP_IP}:9"]')
    doc = pmemail(router, conf, "doctor")
    verdict = doc["verdict"]
    assert verdict["row"] in ("untested_router_ok", "otherwise"), verdict
    assert verdict["hosting"] != "allows" and verdict["advice"]
    assert "Errno" not in json.dumps(doc["checks"])


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_natpmp_only_router_before_forwarding(router: Lab, conf: Path) -> None:
    """NAT-PMP only: the router is found, the advice is to run the forwarding."""
    doc = pmemail(router, conf, "doctor")
    assert doc["router"]["natpmp"] and not doc["router"]["upnp"]
    assert doc["verdict"]["row"] == "router_not_forwarded", doc["verdict"]
    assert advice_ids(doc) == ["advice.run_forwarding"]


def test_dns_broken_findings_say_who_did_not_answer(router: Lab, conf: Path) -> None:
    """A resolver that never answers: findings name the DNS server, no raw errno text."""
    with_config(conf, f'resolver = "{ISP_IP}"', 'resolver = "203.0.113.9"')
    router.serve_banner(NS_LAN, list(PORTS), name="mailsrv")
    doc = pmemail(router, conf, "doctor")
    text = json.dumps([(c["finding"], c["advice"]) for c in doc["checks"]])
    assert "Errno" not in text and "Temporary failure" not in text
    dns = next(c for c in doc["checks"] if c["id"] == "dns")
    assert dns["status"] != "ok" and "DNS" in dns["finding"], dns
    assert doc["verdict"]["row"] == "router_not_forwarded"  # DNS does not decide hosting


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
    assert doc["verdict"]["row"] == "some_reached", doc["verdict"]
    assert advice_ids(doc) == ["advice.refused_by_router"]
    assert f"http://{LAN_GW}" in doc["verdict"]["advice"][0]
