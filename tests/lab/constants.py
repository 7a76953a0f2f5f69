"""Addresses, names and paths of the router test lab.

The lab imitates a small office behind an ordinary router: documentation
networks (RFC 5737) stand in for the internet so that nothing here can ever
be confused with a real address, and every namespace name starts with
``lab-`` so that the guard (:mod:`tests.lab.guard`) can recognise them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

NS_WAN: Final = "lab-wan"
"""The ISP and the internet (STUN, echo service, remote SMTP host)."""
NS_ROUTER: Final = "lab-router"
"""The office router running miniupnpd."""
NS_LAN: Final = "lab-lan"
"""The office mail server, where pmemail runs."""
NS_PC: Final = "lab-pc"
"""Another office PC (gets port 20800 for remote desktop)."""
NAMESPACES: Final = (NS_WAN, NS_ROUTER, NS_LAN, NS_PC)
"""The namespaces every lab has."""
NS_MODEM: Final = "lab-modem"
"""Only in a double-NAT variant: the ISP's modem in router mode (or the ISP's
carrier-grade NAT) between lab-router and lab-wan (``RouterConfig.upstream``)."""
ALL_NAMESPACES: Final = (*NAMESPACES, NS_MODEM)
"""Every namespace the lab may create (teardown, ``Lab.run``)."""

ISP_IP: Final = "203.0.113.1"
"""ISP gateway in lab-wan: STUN udp/3478 and the echo HTTP service on :80."""
WAN_IP: Final = "203.0.113.2"
"""The router's default public address."""
WAN_PREFIX: Final = 24
REMOTE_IP: Final = "198.51.100.10"
"""A remote internet host (on lab-wan's lo): remote MX/smarthost, hotel client."""
LAN_GW: Final = "192.168.2.1"
LAN_SRV: Final = "192.168.2.2"
LAN_PC: Final = "192.168.2.3"
LAN_NET: Final = "192.168.2.0/24"
MODEM_LAN: Final = "192.168.100.1/24"
"""The ISP modem's LAN side in router mode (the office router's WAN gets .2)."""
CGN_LAN: Final = "100.64.0.1/10"
"""The ISP's carrier-grade NAT inside (RFC 6598 shared space; the router gets .2)."""

UPNP_HTTP_PORT: Final = 5000
ROOT_DESC_URL: Final = f"http://{LAN_GW}:{UPNP_HTTP_PORT}/rootDesc.xml"
"""Known root description URL: ``selectigd(ROOT_DESC_URL)`` skips SSDP."""
STUN_PORT: Final = 3478
ECHO_PORT: Final = 80
DNS_PORT: Final = 53
"""The lab's authoritative DNS server on ISP_IP (udp+tcp): ``network.resolver``."""
SMTP_PORTS: Final = (25, 587)

MINIUPNPD: Final = Path("/usr/sbin/miniupnpd")
LAB_DIR: Final = Path(__file__).resolve().parent
"""Directory of this package (scripts run inside the namespaces live here)."""
PROJECT_ROOT: Final = LAB_DIR.parent.parent
"""Put on PYTHONPATH of namespace subprocesses so ``tests.lab`` imports."""
