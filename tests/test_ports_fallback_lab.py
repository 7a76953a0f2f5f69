"""`ports apply --fallback` and the NAT-PMP reboot check, proven on the lab's miniupnpd.

Traffic comes from the internet (198.51.100.10 in lab-wan) to the router's
public address 203.0.113.2, as in :mod:`tests.test_ports_lab` (whose
helpers are reused).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.config_factory import write_config
from tests.lab import Lab, RouterConfig
from tests.lab.constants import NS_LAN
from tests.test_ports_lab import LOCAL, PLAN, by_port, pmemail, reaches, serve_all

pytestmark = pytest.mark.lab

MONITOR = "tests.test_ports_lab:monitor_check"
FALLBACK = {143: 1143, 110: 1110, 80: 8080, 443: 8443}  # advice.ALTERNATIVE_PORTS


@pytest.mark.parametrize("router", [RouterConfig.openwrt()], indirect=True)
def test_openwrt_fallback_maps_high_ports_and_is_remembered(router: Lab, tmp_path: Path) -> None:
    """OpenWrt ACL: --fallback forwards 1143/1110/8080/8443; list, monitor and remove know them."""
    serve_all(router)
    config = write_config(tmp_path, PLAN, loopback=False).path
    code, doc = pmemail(router, config, "apply", "--fallback")
    assert code == 1, doc  # 25 cannot move, 20800 is another host's
    ports = by_port(doc)
    for low, high in FALLBACK.items():
        assert low not in ports
        assert ports[high]["status"] == "mapped" and ports[high]["fallback_for"] == low
        assert f"give staff port {high}" in ports[high]["message"]
        assert router.connect_from_wan(low, timeout=1) is None
    banner = router.connect_from_wan(1143)
    assert banner and banner.startswith(f"hello from mailsrv port {LOCAL[143]} "), banner
    assert reaches(router, 8080, "mailsrv") and reaches(router, 1110, "mailsrv")
    assert ports[25]["status"] == "failed" and ports[25]["fallback_for"] == 0
    applied = {f["external"]: f["applied"] for f in doc["fallback"]}
    assert applied == {25: False, 80: True, 110: True, 143: True, 443: True}
    assert {r["external"] for r in doc["manual"]["table"]} == {25, 20800}

    _code, listed = pmemail(router, config, "list")
    marks = {m["external"]: m["fallback_for"] for m in listed["mappings"] if m["ours"]}
    assert marks == {1234: 0, 1143: 143, 1110: 110, 8080: 80, 8443: 443}

    # the choice is remembered: a plain apply (and the monitor) use the high ports
    human = router.run(
        NS_LAN,
        [sys.executable, "-m", "pmemail", "--config", str(config), "ports", "apply"],
        check=False,
        timeout=60,
    )
    assert "instead of refused port 143" in human.stdout, human.stdout + human.stderr
    assert "imap: port 1143 instead of 143" in human.stdout
    router.restart_router()
    assert router.connect_from_wan(1143, timeout=1) is None
    status = router.run_python(NS_LAN, MONITOR, str(config))
    restored = ["1234/TCP", "1143/TCP", "1110/TCP", "8080/TCP", "8443/TCP"]
    assert sorted(status["restored"]) == sorted(restored), status
    assert reaches(router, 1143, "mailsrv")

    code, removed = pmemail(router, config, "remove")
    assert code == 0, removed
    assert {p["external"]: p["fallback_for"] for p in removed["ports"]}[1143] == 143
    assert router.connect_from_wan(1143, timeout=1) is None
    _code, plan = pmemail(router, config, "plan")
    assert {p["name"]: p["external"] for p in plan["ports"]}["imap"] == 143  # forgotten


@pytest.mark.parametrize("router", [RouterConfig(enable_upnp=False)], indirect=True)
def test_natpmp_mappings_restored_after_router_restart(router: Lab, tmp_path: Path) -> None:
    """UPnP off: the monitor sees NAT-PMP's epoch go backwards and maps everything again."""
    serve_all(router)
    config = write_config(tmp_path, PLAN, loopback=False).path
    _code, doc = pmemail(router, config, "apply")
    assert {by_port(doc)[e]["method"] for e in LOCAL} == {"natpmp"}, doc
    status = router.run_python(NS_LAN, MONITOR, str(config))
    assert status["ok"] and not status["router_rebooted"], status
    assert status["restored"] == [] and status["refreshed"] == []

    time.sleep(3)  # the router's epoch must visibly restart (RFC 6886: 2 s of slack)
    router.restart_router()
    assert router.connect_from_wan(25, timeout=1) is None
    status = router.run_python(NS_LAN, MONITOR, str(config))
    assert status["ok"] and status["router_rebooted"], status
    assert sorted(status["restored"]) == sorted(f"{e}/TCP" for e in LOCAL)
    for ext in LOCAL:
        assert reaches(router, ext, "mailsrv"), ext
    state = json.loads((tmp_path / "data" / "state" / "forwarding.json").read_text())
    assert state["epoch"]["epoch"] < 10  # the restarted daemon's epoch was recorded
