"""The router lab itself: real forwarding, echo service, ISP block, CGNAT, guard."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Lab, RouterConfig, current_lab_netns
from tests.lab.constants import (
    ISP_IP,
    LAN_SRV,
    NS_LAN,
    NS_MODEM,
    NS_ROUTER,
    REMOTE_IP,
    WAN_IP,
)

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


@pytest.mark.lab
@pytest.mark.parametrize("router", [RouterConfig.behind_modem()], indirect=True)
def test_modem_in_router_mode_maps_but_nothing_gets_in(router: Lab) -> None:
    """Double NAT: STUN gives the router the modem's address, it maps, the modem stops it.

    The reset back to the stock router removes lab-modem and restores the WAN.
    """
    router.serve_banner(NS_LAN, [1234], name="mailsrv")
    assert router.run_python(NS_LAN, f"{SNIP}:upnp_external_ip")["result"] == WAN_IP
    assert _map(router, 1234)["ok"]
    assert router.connect_from_wan(1234, timeout=1) is None
    wan = router.run(NS_ROUTER, ["ip", "-4", "-o", "addr", "show", "dev", "wan"]).stdout
    assert "192.168.100.2/24" in wan, wan
    router.reset()
    assert not Path(f"/run/netns/{NS_MODEM}").exists()
    assert _map(router, 1234)["ok"]
    banner = router.connect_from_wan(1234)
    assert banner is not None and banner.startswith("hello from mailsrv port 1234")


def test_guard_blocks_external_connect_in_root_namespace() -> None:
    assert current_lab_netns() is None
    with pytest.raises(OSError, match="outside the lab"):
        socket.create_connection((ISP_IP, 80), timeout=0.5)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(OSError):
        udp.sendto(b"M-SEARCH", ("239.255.255.250", 1900))


@pytest.mark.lab
def test_public_ip_change_keeps_mappings_and_echo_follows(router: Lab) -> None:
    router.serve_banner(NS_LAN, [1234])
    assert _map(router, 1234)["ok"]
    router.change_public_ip("203.0.113.3")
    assert router.run_python(NS_LAN, f"{SNIP}:upnp_external_ip")["result"] == "203.0.113.3"
    body = router.run_python(NS_LAN, f"{SNIP}:http_get", f"http://{ISP_IP}/ip")["body"]
    assert body == "203.0.113.3\n"
    assert router.connect_from_wan(1234) is not None  # reloaded from the lease file
    assert router.connect_from_wan(1234, host="203.0.113.2", timeout=1) is None


@pytest.mark.lab
@pytest.mark.parametrize(
    ("config", "error"),
    [(RouterConfig(), "ConflictInMappingEntry"), (RouterConfig(secure_mode=False), None)],
)
def test_secure_mode_refuses_mapping_to_another_host(
    router: Lab, config: RouterConfig, error: str | None
) -> None:
    router.reset(config)
    res = _map(router, 20800, ihost="192.168.2.3")
    assert res.get("error") == error, res


@pytest.mark.lab
def test_openwrt_refuses_privileged_ports(router: Lab) -> None:
    router.reset(RouterConfig.openwrt())
    assert _map(router, 25, iport=2525) == {"ok": False, "error": "Action not authorized"}
    assert _map(router, 1234)["ok"]


@pytest.mark.lab
def test_smtp_sink_records_submitted_message(router: Lab) -> None:
    code = f"""
import json, smtplib
with smtplib.SMTP("{REMOTE_IP}", 587, timeout=5) as s:
    s.login("office", "secret")
    s.sendmail("a@office.example", ["b@remote.example"], "Subject: hi\\r\\n\\r\\n.dot\\r\\n")
print(json.dumps("sent"))
"""
    before = len(router.smtp_messages())
    assert router.run_python(NS_LAN, code) == "sent"
    msg = router.smtp_messages()[before]
    assert (msg["port"], msg["user"], msg["mail_from"]) == (587, "office", "a@office.example")
    assert msg["rcpt_to"] == ["b@remote.example"]
    assert msg["peer"] == "203.0.113.2"  # masqueraded by the router
    assert msg["data"].endswith("\r\n.dot\r\n")
