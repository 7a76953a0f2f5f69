"""End to end in the router lab: the wizard, driven inside lab-lan, maps the plan.

The result is checked from the fake internet (lab-wan): every port of the
plan reaches the banner server behind it, 20800 reaches lab-pc.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab import Lab, RouterConfig
from tests.lab.constants import LAN_PC, NS_LAN, NS_PC
from tests.tui_wizard_lab import LOCAL, RDP, lab_config

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("router", [RouterConfig(secure_mode=False)], indirect=True)
def test_wizard_in_lab_lan_maps_the_plan(router: Lab, tmp_path: Path) -> None:
    router.serve_banner(NS_LAN, [internal for _e, internal in LOCAL.values()], name="mailsrv")
    router.serve_banner(NS_PC, [3389], name="pc")
    config = lab_config(tmp_path)
    seen = router.run_python(
        NS_LAN, "tests.tui_wizard_lab:drive_wizard", str(config), LAN_PC, timeout=180
    )
    assert seen["network"]["lan"][0] == "ok" and "192.168.2.2" in seen["network"]["lan"][1]
    assert seen["network"]["router"][0] == "ok", seen["network"]
    checks = seen["checks"]["rows"]
    assert all(status != "running" for status, _f in checks.values()), checks
    assert checks["public_ip"][0] == "ok" and "203.0.113.2" in checks["public_ip"][1]
    assert checks["outbound_25"][0] == "ok", checks["outbound_25"]
    assert seen["checks"]["verdict"].startswith("Verdict: ")
    assert "IN A 203.0.113.2" in seen["domain"]
    assert seen["forward_step"] == "forward" and seen["after"] == "outbound"
    forward = seen["forward"]["rows"]
    assert {status for status, _f in forward.values()} == {"ok"}, seen["forward"]
    assert "forwarded by UPNP to 192.168.2.3:3389" in forward["remote_desktop"][1]
    assert seen["forward"]["manual"].startswith("7 of 7 port(s) forwarded")
    for _name, (ext, internal) in LOCAL.items():
        banner = router.connect_from_wan(ext)
        assert banner and banner.startswith(f"hello from mailsrv port {internal} "), ext
    banner = router.connect_from_wan(RDP)
    assert banner and banner.startswith("hello from pc port 3389 ")
