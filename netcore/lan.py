"""The office side of the network: interface, address, netmask, gateway.

Read from the kernel through netifaces (no packet is sent). IPv4 comes
first because port forwarding is an IPv4 matter; IPv6 addresses are noted
so the admin knows they exist.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import netifaces

from netcore.checks.verdict_messages import Msg


class LanDetectionError(Exception):
    """The LAN side cannot be determined (no such interface, no IPv4 address).

    ``message`` is the same sentence as a message id (the doctor words it in
    the admin's language); ``str()`` stays the English text.
    """

    def __init__(self, message: Msg) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True)
class LanInfo:
    """What this machine looks like on the office LAN.

    Attributes:
        interface: the interface carrying the default route (or the configured one).
        address: its first IPv4 address ("" if none).
        netmask: the netmask of that address.
        gateway: the IPv4 default gateway, normally the router ("" if none).
        other_addresses: further IPv4 addresses of that interface.
        ipv6: IPv6 addresses of that interface (link-local ones included).
    """

    interface: str
    address: str
    netmask: str = ""
    gateway: str = ""
    other_addresses: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``lan`` part of the doctor's report)."""
        return {
            "interface": self.interface,
            "address": self.address,
            "netmask": self.netmask,
            "gateway": self.gateway,
            "other_addresses": list(self.other_addresses),
            "ipv6": list(self.ipv6),
        }


def _default_gateway() -> tuple[str, str]:
    """(gateway, interface) of the IPv4 default route, or ("", "")."""
    gws: dict[Any, Any] = netifaces.gateways()
    default = gws.get("default", {}).get(netifaces.AF_INET)
    if default:
        return str(default[0]), str(default[1])
    return "", ""


def detect_lan(interface: str = "") -> LanInfo:
    """Describe the LAN interface.

    Args:
        interface: the interface to describe; empty means the one carrying
            the IPv4 default route.

    Returns:
        The interface, its addresses and the gateway.

    Raises:
        LanDetectionError: no default route and no interface given, or the
            interface does not exist.
    """
    gateway, default_if = _default_gateway()
    name = interface or default_if
    if not name:
        raise LanDetectionError(Msg("find.lan.no_route"))
    if name not in netifaces.interfaces():
        raise LanDetectionError(Msg("find.lan.no_interface", {"interface": name}))
    if interface and interface != default_if:
        # the default gateway belongs to another interface: look for one on ours
        routes: list[Any] = list(netifaces.gateways().get(netifaces.AF_INET, []))
        gateway = next((str(g[0]) for g in routes if g[1] == name), "")
    addrs: dict[int, list[dict[str, str]]] = netifaces.ifaddresses(name)
    v4 = [a for a in addrs.get(netifaces.AF_INET, []) if a.get("addr")]
    v6 = [a["addr"] for a in addrs.get(netifaces.AF_INET6, []) if a.get("addr")]
    first = v4[0] if v4 else {}
    return LanInfo(
        interface=name,
        address=first.get("addr", ""),
        netmask=first.get("netmask", ""),
        gateway=gateway,
        other_addresses=[a["addr"] for a in v4[1:]],
        ipv6=v6,
    )


def lan_network(info: LanInfo) -> ipaddress.IPv4Network | None:
    """The subnet ``info`` sits on (None when its address or netmask is unknown)."""
    if not info.address or not info.netmask:
        return None
    try:
        return ipaddress.IPv4Network(f"{info.address}/{info.netmask}", strict=False)
    except ValueError:
        return None


def neighbours(network: ipaddress.IPv4Network, arp: Path = Path("/proc/net/arp")) -> list[str]:
    """LAN machines this one has talked to lately (the kernel's ARP table), on ``network``.

    Read only: nothing is sent. Used to suggest the remote-desktop PC's address.
    """
    try:
        lines = arp.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return []
    found: list[str] = []
    for line in lines:
        fields = line.split()
        # fields: IP, HW type, flags (0x0 = incomplete), HW address, mask, device
        if len(fields) < 4 or fields[2] == "0x0":
            continue
        try:
            if ipaddress.IPv4Address(fields[0]) in network:
                found.append(fields[0])
        except ValueError:
            continue
    return sorted(set(found), key=ipaddress.IPv4Address)
