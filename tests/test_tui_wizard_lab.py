"""End to end in the router lab: the wizard, driven inside lab-lan, maps the plan.

The result is checked from the fake internet (lab-wan): every port of the
plan reaches the banner server behind it, 20800 reaches lab-pc.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config_factory import write_config
from tests.lab import Lab, RouterConfig
from tests.lab.constants import ISP_IP, LAN_PC, NS_LAN, NS_PC, REMOTE_IP
from tests.tui_wizard_support import app_overrides

pytestmark = pytest.mark.lab

LOCAL = {
    "smtp": (25, 2525),
    "submission": (1234, 11234),
    "imap": (143, 11143),
    "pop3": (110, 11110),
    "webmail": (80, 18080),
    "https": (443, 18443),
}
RDP = 20800


def lab_config(tmp_path: Path) -> Path:
    """The lab's echo service, SMTP probes and banner ports; no DNS server."""
    plan = {
        **{
            f"ports.{name}": {"external": ext, "internal": port}
            for name, (ext, port) in LOCAL.items()
        },
        "ports.remote_desktop": {"external": RDP, "internal": 3389},
    }
    lab_network = {
        "network": {
            "interface": "",
            "echo_url": [f"http://{ISP_IP}"],
            "port25_probes": [f"{REMOTE_IP}:25", f"{REMOTE_IP}:587"],
            "resolver": f"{REMOTE_IP}:53",
            "http_timeout": 4.0,
            "check_timeout": 8.0,
            "upnp_discover_ms": 500,
            "natpmp_timeout": 0.5,
        }
    }
    return write_config(tmp_path, app_overrides(), plan, lab_network, loopback=False).path


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
