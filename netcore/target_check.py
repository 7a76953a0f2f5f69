"""Is a forwarding target on the office LAN? (the remote-desktop PC, say)

A target outside the LAN's subnet (the default 192.168.1.20 kept on a
192.168.2.0/24 office) can never work: the router refuses it or forwards
into nowhere, and a manual rule would point outside the LAN too. It is
caught before the router is asked, with the LAN's machines as suggestions.
"""

from __future__ import annotations

import ipaddress

from netcore.checks.verdict_messages import Msg
from netcore.lan import LanDetectionError, detect_lan, lan_network, neighbours
from netcore.plan import PlannedPort
from netcore.port_outcome import PortOutcome, failed_outcome
from netcore.router import errors
from netcore.router.errors import RouterError


def office_network(lan_ip: str, interface: str = "") -> ipaddress.IPv4Network | None:
    """The subnet of the interface holding ``lan_ip`` (None when it cannot be told)."""
    try:
        info = detect_lan(interface)
    except LanDetectionError:
        return None
    network = lan_network(info)
    if network is None or network.is_loopback or ipaddress.IPv4Address(lan_ip) not in network:
        return None  # --lan-ip names another interface: no basis to judge
    return network


def off_lan_message(port: PlannedPort, network: ipaddress.IPv4Network, lan_ip: str) -> Msg:
    """Why ``port``'s target cannot work, and which addresses would (a message id)."""
    seen = [a for a in neighbours(network) if a != lan_ip][:5]
    params = {
        "name": port.name,
        "host": port.internal_host,
        "network": str(network),
        "port": str(port.external),
    }
    if seen:
        return Msg("fwd.err.off_lan_seen", params | {"seen": ", ".join(seen)})
    return Msg("fwd.err.off_lan_unseen", params)


def off_lan_outcome(
    port: PlannedPort, network: ipaddress.IPv4Network | None, lan_ip: str
) -> PortOutcome | None:
    """A failure for a target outside ``network``; None when it is on the LAN (or unknown)."""
    if network is None or port.local:
        return None
    try:
        if ipaddress.IPv4Address(port.internal_host) in network:
            return None
    except ValueError:
        return None  # not an address: the plan's own check reports it
    exc = RouterError(errors.OFF_LAN, off_lan_message(port, network, lan_ip))
    return failed_outcome(port, exc, other_host=True)
