"""The router is asked gently (issue 16, finding 5), proven on the lab's miniupnpd.

A plan the router refuses (OpenWrt's default rules: no port below 1024)
must cost the router one question per port and protocol: a UPnP 606 is an
answer, so NAT-PMP and PCP are not asked the same question (miniupnpd would
search every port for an allowed one). The requests are counted in
miniupnpd's own debug log.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.config_factory import Overrides, write_config
from tests.lab import Lab, RouterConfig
from tests.lab.constants import NS_LAN
from tests.test_ports_lab import by_port, pmemail

pytestmark = pytest.mark.lab

REFUSED = {"smtp": 25, "webmail": 80, "pop3": 110, "imap": 143, "https": 443}
PLAN: Overrides = {
    **{f"ports.{name}": {"external": ext, "internal": ext} for name, ext in REFUSED.items()},
    "ports.submission": {"enabled": False},
    "ports.remote_desktop": {"enabled": False},
    "network": {"upnp_discover_ms": 300, "natpmp_timeout": 0.5},
}


def requests_in(log: str) -> dict[str, int]:
    """AddPortMapping, NAT-PMP and PCP map requests, and permission lines, in the log."""
    return {
        "upnp_add": len(re.findall(r"AddPortMapping: ext port", log)),
        "natpmp": len(re.findall(r"NAT-PMP", log, re.IGNORECASE)),
        "pcp": len(re.findall(r"\bPCP\b", log)),
        "permission": len(re.findall(r"permission rule", log)),
    }


@pytest.mark.parametrize("router", [RouterConfig.openwrt()], indirect=True)
def test_refused_plan_asks_each_port_once(router: Lab, tmp_path: Path) -> None:
    """606 on every port: one AddPortMapping each, no NAT-PMP/PCP, no port search."""
    before = len(router.miniupnpd_log())
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply")
    log = router.miniupnpd_log()[before:]
    counts = requests_in(log)
    assert code == 2, doc
    for ext in REFUSED.values():
        port = by_port(doc)[ext]
        assert port["status"] == "failed" and port["code"] == 606, port
        assert "Miniupnpc" not in port["message"]
    assert counts["upnp_add"] <= len(REFUSED), (counts, log[-3000:])
    assert counts["natpmp"] == 0 and counts["pcp"] == 0, (counts, log[-3000:])
    assert counts["permission"] <= 4 * len(REFUSED), (counts, log[-3000:])
    assert {r["external"] for r in doc["manual"]["table"]} == set(REFUSED.values())


@pytest.mark.parametrize("router", [RouterConfig.openwrt()], indirect=True)
def test_fallback_moves_privileged_internal_ports_too(router: Lab, tmp_path: Path) -> None:
    """OpenWrt refuses internal ports below 1024 too: the fallback maps 1143 -> 1143."""
    router.serve_banner(NS_LAN, [1143, 1110, 8080, 8443], name="mailsrv")
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply", "--fallback")
    assert code == 1, doc  # inbound SMTP cannot move
    ports = by_port(doc)
    for low, high in {143: 1143, 110: 1110, 80: 8080, 443: 8443}.items():
        assert ports[high]["status"] == "mapped", ports[high]
        assert ports[high]["internal"] == high and ports[high]["fallback_for"] == low
        assert f".internal = {high}" in ports[high]["message"]
        banner = router.connect_from_wan(high, timeout=1.5)
        assert banner and banner.startswith(f"hello from mailsrv port {high} "), banner
    assert "above 1024" not in str(doc)


@pytest.mark.parametrize("router", [RouterConfig.cgnat()], indirect=True)
def test_cgnat_apply_asks_nothing_and_ends_in_isp_advice(router: Lab, tmp_path: Path) -> None:
    """No public address on the router: no mapping asked, no manual rules, ISP advice."""
    before = len(router.miniupnpd_log())
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply")
    log = router.miniupnpd_log()[before:]
    assert code == 2, doc
    assert requests_in(log)["upnp_add"] == 0, log[-2000:]
    assert doc["no_public_address"] is True
    assert [m["id"] for m in doc["isp_advice"]] == ["advice.ask_public_ipv4", "advice.meanwhile"]
    assert doc["manual"]["needed"] is False and doc["fallback"] == []
    assert {p["code"] for p in doc["ports"]} == {-5}
    human = router.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(config), "ports", "apply"],
        check=False,
        timeout=60,
    )
    assert "public IPv4 address" in human.stdout and "collector" in human.stdout, human.stdout
    assert "add these rules by hand" not in human.stdout


def test_one_shot_apply_warns_that_the_lease_lapses(router: Lab, tmp_path: Path) -> None:
    """A mapped plan says the lease lapses unless `pmemail serve` renews it."""
    plan: Overrides = {
        **PLAN,
        **{f"ports.{n}": {"enabled": False} for n in REFUSED if n != "imap"},
        "ports.imap": {"external": 1143, "internal": 1143},
    }
    config = write_config(tmp_path, plan, loopback=False).path
    _code, doc = pmemail(router, config, "apply")
    assert doc["lease"]["seconds"] > 0 and doc["lease"]["renewed_by"] == "pmemail serve"
    human = router.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(config), "ports", "apply"],
        check=False,
        timeout=60,
    )
    assert "`pmemail serve` renews them" in human.stdout, human.stdout


def test_off_lan_remote_desktop_target_is_not_asked(router: Lab, tmp_path: Path) -> None:
    """The default 192.168.1.20 on the lab's 192.168.2.0/24: a clear error, no router request."""
    plan: Overrides = {
        **PLAN,
        **{f"ports.{n}": {"enabled": False} for n in REFUSED},
        "ports.remote_desktop": {
            "external": 20800,
            "internal": 3389,
            "internal_host": "192.168.1.20",
        },
    }
    before = len(router.miniupnpd_log())
    config = write_config(tmp_path, plan, loopback=False).path
    code, doc = pmemail(router, config, "apply")
    rdp = by_port(doc)[20800]
    assert code == 2 and rdp["code"] == -6, doc
    assert "ports.remote_desktop.internal_host = 192.168.1.20" in rdp["message"]
    assert "192.168.2.0/24" in rdp["message"] and "secure mode" not in rdp["message"]
    assert doc["manual"]["table"] == []  # a manual rule would point outside the LAN too
    assert requests_in(router.miniupnpd_log()[before:])["upnp_add"] == 0
    _code, planned = pmemail(router, config, "plan")
    assert [o["name"] for o in planned["off_lan"]] == ["remote_desktop"]
