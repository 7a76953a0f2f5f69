"""The router lab itself: real forwarding, echo service, ISP block, CGNAT, guard."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from tests.lab import Lab, RouterConfig, current_lab_netns
from tests.lab.constants import ISP_IP, LAN_SRV, NS_LAN, REMOTE_IP

SNIP = "tests.lab.snippets"


def _map(lab: Lab, eport: int, ihost: str = LAN_SRV, iport: int | None = None) -> Any:
    return lab.run_python(NS_LAN, f"{SNIP}:upnp_add", eport, ihost, iport or eport)


@pytest.mark.lab
def test_mapped_port_reachable_from_wan_unmapped_not(router: Lab) -> None:
    router.serve_banner(NS_LAN, [1234, 1235], name="mailsrv")
    assert _map(router, 1234) == {"ok": True, "result": True}
    banner = router.connect_from_wan(1234, source=REMOTE_IP)
    assert banner is not None and banner.startswith("hello from mailsrv port 1234")
    assert f"to {REMOTE_IP}:" in banner  # DNAT only: the server sees the real client
    assert router.connect_from_wan(1235, timeout=1) is None


@pytest.mark.lab
def test_echo_service_sees_public_ip_and_probes_ports(router: Lab) -> None:
    router.serve_banner(NS_LAN, [1234, 1235])
    assert _map(router, 1234)["ok"]

    def get(path: str) -> Any:
        return router.run_python(NS_LAN, f"{SNIP}:http_get", f"http://{ISP_IP}{path}")

    assert get("/ip") == {"status": 200, "body": "203.0.113.2\n"}
    mapped = json.loads(get("/port/1234")["body"])
    assert mapped == {"ip": "203.0.113.2", "port": 1234, "reachable": True}
    unmapped = json.loads(get("/port/1235")["body"])
    assert unmapped["reachable"] is False


@pytest.mark.lab
@pytest.mark.parametrize("router", [RouterConfig(block25=True)], indirect=True)
def test_isp_block25_drops_smtp_but_not_submission(router: Lab) -> None:
    connect = f"{SNIP}:connect"
    assert router.run_python(NS_LAN, connect, REMOTE_IP, 25, None, 1.0) is None
    banner = router.run_python(NS_LAN, connect, REMOTE_IP, 587, None, 2.0)
    assert banner.startswith("220 ")
    router.block25(False)
    assert router.run_python(NS_LAN, connect, REMOTE_IP, 25, None, 2.0).startswith("220 ")


@pytest.mark.lab
@pytest.mark.parametrize("router", [RouterConfig.cgnat()], indirect=True)
def test_cgnat_router_has_no_external_ip_and_refuses_mappings(router: Lab) -> None:
    assert router.run_python(NS_LAN, f"{SNIP}:upnp_external_ip") == {"ok": True, "result": ""}
    res = _map(router, 1234)
    assert res["ok"] is False, res


def test_guard_blocks_external_connect_in_root_namespace() -> None:
    assert current_lab_netns() is None
    with pytest.raises(OSError, match="outside the lab"):
        socket.create_connection((ISP_IP, 80), timeout=0.5)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.sendto(b"M-SEARCH", ("239.255.255.250", 1900))
