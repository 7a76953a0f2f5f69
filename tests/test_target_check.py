"""The remote-desktop target must be on the office LAN (issue 16, finding 7)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from netcore.lan import neighbours
from netcore.plan import PlannedPort
from netcore.router import errors
from netcore.target_check import off_lan_outcome

LAN = ipaddress.IPv4Network("192.168.2.0/24")
RDP = PlannedPort("remote_desktop", 20800, 3389, "192.168.1.20", "TCP", "pmemail rdp", False)


def test_off_lan_target_fails_before_the_router_is_asked() -> None:
    """192.168.1.20 on a 192.168.2.0/24 office: a clear failure naming the setting."""
    out = off_lan_outcome(RDP, LAN, "192.168.2.2")
    assert out is not None and out.code == errors.OFF_LAN and out.other_host
    assert "ports.remote_desktop.internal_host = 192.168.1.20" in out.message
    assert "192.168.2.0/24" in out.message and "secure mode" not in out.message


def test_on_lan_or_unknown_lan_is_left_to_the_router() -> None:
    """On the LAN, for this machine, or with no LAN known: nothing to say."""
    on = PlannedPort("remote_desktop", 20800, 3389, "192.168.2.3", "TCP", "d", False)
    assert off_lan_outcome(on, LAN, "192.168.2.2") is None
    assert off_lan_outcome(RDP, None, "192.168.2.2") is None


def test_neighbours_come_from_the_arp_table(tmp_path: Path) -> None:
    """Complete entries on the subnet, sorted; incomplete and foreign ones left out."""
    arp = tmp_path / "arp"
    arp.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.2.30     0x1         0x2         aa:bb:cc:dd:ee:01     *        eth0\n"
        "192.168.2.4      0x1         0x2         aa:bb:cc:dd:ee:02     *        eth0\n"
        "192.168.2.9      0x1         0x0         00:00:00:00:00:00     *        eth0\n"
        "10.0.0.7         0x1         0x2         aa:bb:cc:dd:ee:03     *        eth1\n"
    )
    assert neighbours(LAN, arp) == ["192.168.2.4", "192.168.2.30"]
