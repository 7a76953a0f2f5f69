"""The office's own addresses for the login throttle and the ACME renewal, read from this machine.

Composition-root glue: ``mailcore`` must not know ``netcore``, so the LAN is
detected here (``netcore.lan``) and the public address is read from the IP
history in the state dir (``netcore.ip_history``), then both are handed to
``mailcore.office_networks.OfficeNetworks``; the public address also to the
ACME renewal (a failed validation where the DNS points elsewhere).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from mailcore.office_networks import OfficeNetworks
from netcore.addresses import is_routable_for_us
from netcore.ip_history import IpHistory
from netcore.lan import LanDetectionError, detect_lan
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger("pmemail.auth")


def detected_lan_networks(interface: str = "") -> list[str]:
    """The IPv4 network of the LAN interface, and its other addresses; [] if undetectable."""
    try:
        lan = detect_lan(interface)
    except (LanDetectionError, OSError, ValueError) as exc:
        log.warning("office networks: LAN not detected (%s); none get the office budget", exc)
        return []
    out: list[str] = []
    if lan.address:
        mask = lan.netmask or "255.255.255.255"
        out.append(str(ipaddress.ip_network(f"{lan.address}/{mask}", strict=False)))
    out += lan.other_addresses
    return out


def public_address(paths: DataPaths, router: Callable[[], str] | None = None) -> Callable[[], str]:
    """The office's public address ("" none known yet), read at each call.

    What the outside saw last (the IP history the doctor and the wizard's
    checks write) comes first; else the address the router reports (the
    router monitor's last check), when it is one the internet can reach: a
    router behind CGNAT reports a shared address that nobody can connect to.
    """
    history = IpHistory(paths.state)

    def public() -> str:
        entries = history.entries()
        seen = entries[-1].address if entries else ""
        if seen:
            return seen
        reported = router() if router is not None else ""
        return reported if reported and is_routable_for_us(reported) else ""

    return public


def office_networks(config: Config, paths: DataPaths) -> OfficeNetworks:
    """``security.office_networks`` (or the detected LAN) plus the last public address."""
    networks = list(config.security.office_networks) or detected_lan_networks(
        config.network.interface
    )
    return OfficeNetworks(networks, public_address(paths))
