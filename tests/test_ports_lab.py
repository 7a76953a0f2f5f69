"""Port forwarding proven on the lab's real miniupnpd, with traffic from lab-wan.

Each test runs ``pmemail ports ...`` inside lab-lan with a config whose
internal ports point at banner servers, then connects from the internet
(198.51.100.10 in lab-wan) to the router's public address 203.0.113.2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.config_factory import Overrides, write_config
from tests.lab import Lab, RouterConfig
from tests.lab.constants import LAN_GW, LAN_PC, LAN_SRV, NS_LAN, NS_PC

pytestmark = pytest.mark.lab

SNIP = "tests.lab.snippets"
# external -> internal port of the banner servers (services run unprivileged)
LOCAL = {25: 2525, 1234: 11234, 143: 11143, 110: 11110, 80: 18080, 443: 18443}
NAMES = {25: "smtp", 1234: "submission", 143: "imap", 110: "pop3", 80: "webmail", 443: "https"}
RDP = 20800


# the plan points at the banner servers of :func:`serve_all`; write it with
# ``write_config(tmp_path, PLAN, loopback=False)``
PLAN: Overrides = {
    **{f"ports.{NAMES[ext]}": {"external": ext, "internal": port} for ext, port in LOCAL.items()},
    "ports.remote_desktop": {"external": RDP, "internal": 3389, "internal_host": LAN_PC},
    "network": {"upnp_discover_ms": 300, "natpmp_timeout": 0.5},
}


def serve_all(lab: Lab) -> None:
    """Banner servers: the mail services in lab-lan, remote desktop in lab-pc."""
    lab.serve_banner(NS_LAN, list(LOCAL.values()), name="mailsrv")
    lab.serve_banner(NS_PC, [3389], name="pc")


def pmemail(lab: Lab, config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run ``pmemail --config CONFIG ports ARGS --json`` in lab-lan."""
    res = lab.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(config), "ports", *args, "--json"],
        check=False,
        timeout=60,
    )
    assert res.stdout.strip(), res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return res.returncode, doc


def by_port(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The document's port outcomes keyed by external port."""
    return {p["external"]: p for p in doc["ports"]}


def reaches(lab: Lab, port: int, who: str) -> bool:
    """True when a connection from the internet to ``port`` reaches ``who``."""
    banner = lab.connect_from_wan(port, timeout=1.5)
    return banner is not None and banner.startswith(f"hello from {who} ")


@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_apply_maps_whole_plan_and_remove_leaves_others(router: Lab, tmp_path: Path) -> None:
    """Stock router: every port reaches its server; remove only deletes ours."""
    serve_all(router)
    foreign = router.run_python(
        NS_PC, f"{SNIP}:upnp_add", 20000, LAN_PC, 3389, "TCP", 3600, "someone else"
    )
    assert foreign["ok"], foreign
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply")
    assert code == 0, doc
    assert {p["status"] for p in doc["ports"]} == {"mapped"}
    assert {p["method"] for p in doc["ports"]} == {"upnp"}
    assert doc["manual"]["needed"] is False and doc["fallback"] == []
    assert "stop filtering everything else" in doc["dmz"]
    for ext, internal in LOCAL.items():
        banner = router.connect_from_wan(ext)
        assert banner and banner.startswith(f"hello from mailsrv port {internal} ")
    banner = router.connect_from_wan(RDP)
    assert banner and banner.startswith("hello from pc port 3389 ")
    assert router.connect_from_wan(1235, timeout=1) is None  # not in the plan

    code, listed = pmemail(router, config, "list")
    assert code == 0
    ours = {m["external"]: m["ours"] for m in listed["mappings"]}
    assert ours == {**{e: True for e in LOCAL}, RDP: True, 20000: False}

    code, removed = pmemail(router, config, "remove")
    assert code == 0, removed
    assert sorted(p["external"] for p in removed["ports"]) == sorted([*LOCAL, RDP])
    for ext in [*LOCAL, RDP]:
        assert router.connect_from_wan(ext, timeout=1) is None
    assert reaches(router, 20000, "pc")  # another host's mapping is left alone


def test_secure_mode_refuses_other_host_with_manual_steps(router: Lab, tmp_path: Path) -> None:
    """Secure mode (stock default): 20800 -> lab-pc explained; the rest mapped."""
    serve_all(router)
    code, doc = pmemail(router, write_config(tmp_path, PLAN, loopback=False).path, "apply")
    assert code == 1, doc
    rdp = by_port(doc)[RDP]
    assert rdp["status"] == "failed" and rdp["other_host"] is True
    assert rdp["code"] in (718, 606)
    assert "only lets a machine forward ports to itself" in rdp["message"]
    assert doc["manual"]["table"] == [
        {
            "name": "remote_desktop",
            "external": RDP,
            "protocol": "TCP",
            "internal_host": LAN_PC,
            "internal": 3389,
        }
    ]
    assert doc["manual"]["steps"] and doc["manual"]["menu_path"]
    for ext in LOCAL:
        assert by_port(doc)[ext]["status"] == "mapped"
        assert reaches(router, ext, "mailsrv")
    assert router.connect_from_wan(RDP, timeout=1) is None


@pytest.mark.parametrize("router", [RouterConfig.openwrt()], indirect=True)
def test_openwrt_acl_low_ports_get_fallback_plan(router: Lab, tmp_path: Path) -> None:
    """OpenWrt ACL: 25/80/110/143/443 refused -> high-port proposals and manual rules."""
    serve_all(router)
    code, doc = pmemail(router, write_config(tmp_path, PLAN, loopback=False).path, "apply")
    assert code == 1, doc
    ports = by_port(doc)
    assert ports[1234]["status"] == "mapped" and reaches(router, 1234, "mailsrv")
    for ext in (25, 80, 110, 143, 443):
        assert ports[ext]["status"] == "failed" and ports[ext]["low_port"], ports[ext]
        assert router.connect_from_wan(ext, timeout=1) is None  # no substituted mapping kept
    fallback = {f["external"]: f for f in doc["fallback"]}
    assert fallback[25]["proposed_external"] is None
    assert "NOT useful" in fallback[25]["note"]
    assert fallback[143]["proposed_external"] == 1143
    assert fallback[80]["proposed_external"] == 8080
    assert fallback[443]["proposed_external"] == 8443
    manual = {row["external"] for row in doc["manual"]["table"]}
    assert manual == {25, 80, 110, 143, 443, RDP}


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_upnp_off_maps_by_natpmp(router: Lab, tmp_path: Path) -> None:
    """No IGD, NAT-PMP on: this machine's ports are mapped by NAT-PMP and removed again."""
    serve_all(router)
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply")
    assert code == 1, doc  # 20800 -> another machine needs UPnP
    for ext in LOCAL:
        assert by_port(doc)[ext]["method"] == "natpmp", doc
        assert by_port(doc)[ext]["granted_external"] == ext
        assert reaches(router, ext, "mailsrv")
    assert by_port(doc)[RDP]["other_host"] is True
    code, removed = pmemail(router, config, "remove")
    assert code == 0, removed
    for ext in LOCAL:
        assert router.connect_from_wan(ext, timeout=1) is None


def monitor_check(config_file: str, clock_offset: float = 0.0) -> dict[str, Any]:
    """Run in lab-lan: one ForwardingMonitor check (the clock moved by ``clock_offset``)."""
    from netcore.forwarding import Forwarder
    from netcore.monitor import ForwardingMonitor
    from pmemail.config import DataPaths, load_config

    config = load_config(Path(config_file))
    fwd = Forwarder(
        config,
        DataPaths.from_config(config, Path(config_file)),
        clock=lambda: time.time() + clock_offset,
    )
    return ForwardingMonitor(fwd).check_once()


@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_router_restart_loses_mappings_apply_and_monitor_restore(
    router: Lab, tmp_path: Path
) -> None:
    """Router daemon restarted: mappings gone; the monitor and `ports apply` put them back."""
    serve_all(router)
    config = write_config(tmp_path, PLAN, loopback=False).path
    assert pmemail(router, config, "apply")[0] == 0
    assert reaches(router, 25, "mailsrv")
    status = router.run_python(NS_LAN, "tests.test_ports_lab:monitor_check", str(config))
    assert status["ok"] and status["restored"] == [] and status["renewed"] == []
    assert status["router_address"] == "203.0.113.2"  # the renewal's public address

    router.restart_router()
    assert router.connect_from_wan(25, timeout=1) is None
    status = router.run_python(NS_LAN, "tests.test_ports_lab:monitor_check", str(config))
    assert status["ok"], status
    assert sorted(status["restored"]) == sorted(f"{e}/TCP" for e in [*LOCAL, RDP])
    assert reaches(router, 25, "mailsrv") and reaches(router, RDP, "pc")

    router.restart_router()
    assert router.connect_from_wan(143, timeout=1) is None
    assert pmemail(router, config, "apply")[0] == 0
    assert reaches(router, 143, "mailsrv")


@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_monitor_renews_when_margin_reached(router: Lab, tmp_path: Path) -> None:
    """A lease with less than renew_margin left is renewed; remaining is reported."""
    serve_all(router)
    lease = {"network": {"lease_seconds": 600, "renew_margin": 0.5}}
    config = write_config(tmp_path, PLAN, lease, loopback=False).path
    assert pmemail(router, config, "apply")[0] == 0
    status = router.run_python(NS_LAN, "tests.test_ports_lab:monitor_check", str(config), 400.0)
    assert status["ok"], status
    assert len(status["renewed"]) == len(LOCAL) + 1
    remaining = {m["key"]: m["remaining"] for m in status["mappings"]}
    assert all(r is not None and r > 500 for r in remaining.values()), remaining


def pcp_roundtrip(port: int, internal: int) -> dict[str, Any]:
    """Run in lab-lan: PCP map, then delete with the same nonce."""
    from netcore.router.pcp import PcpClient
    from tests.lab.snippets import connect  # noqa: F401  (proves imports work in netns)

    client = PcpClient(LAN_GW, 1.0)
    granted = client.map("TCP", port, internal, 600)
    return {"external": granted.external, "ip": granted.external_ip, "nonce": granted.nonce}


def pcp_delete(internal: int, nonce: str) -> bool:
    """Run in lab-lan: delete a PCP mapping with its nonce."""
    from netcore.router.pcp import PcpClient

    PcpClient(LAN_GW, 1.0).unmap("TCP", internal, bytes.fromhex(nonce))
    return True


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_pcp_maps_and_deletes_with_nonce(router: Lab) -> None:
    """Our PCP client maps a port (reachable from lab-wan) and deletes it again."""
    router.serve_banner(NS_LAN, [11234], name="mailsrv")
    got = router.run_python(NS_LAN, "tests.test_ports_lab:pcp_roundtrip", 1234, 11234)
    assert got["external"] == 1234 and got["ip"] == router.public_ip
    assert reaches(router, 1234, "mailsrv")
    assert router.run_python(NS_LAN, "tests.test_ports_lab:pcp_delete", 11234, got["nonce"])
    assert router.connect_from_wan(1234, timeout=1) is None
    assert LAN_SRV  # the mapping was for this machine (PCP maps to the asker)


@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_conflict_names_the_machine_holding_the_port(router: Lab, tmp_path: Path) -> None:
    """718: "port 1234 is already forwarded to 192.168.2.3 — remove that rule ..."."""
    serve_all(router)
    taken = router.run_python(NS_PC, f"{SNIP}:upnp_add", 1234, LAN_PC, 3389, "TCP", 3600, "pc")
    assert taken["ok"], taken
    code, doc = pmemail(router, write_config(tmp_path, PLAN, loopback=False).path, "apply")
    assert code == 1, doc
    sub = by_port(doc)[1234]
    assert sub["status"] == "failed" and sub["code"] == 718
    assert sub["message"] == (
        f"port 1234 is already forwarded to {LAN_PC} — remove that rule "
        "in the router or choose another port"
    )
    assert reaches(router, 1234, "pc")  # the other machine's rule is untouched
    assert reaches(router, 25, "mailsrv")
