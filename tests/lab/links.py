"""Namespace plumbing of the lab: namespaces, veths, bridge, addresses, routes.

Every link is created directly inside a lab namespace (``ip -n NS link add
... peer name eth0 netns OTHER``), never in the machine's own namespace.
The ``dummy`` link type is missing in some kernels, so the remote host's
address lives on lab-wan's ``lo``.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

from tests.lab.constants import (
    ALL_NAMESPACES,
    ISP_IP,
    LAN_GW,
    LAN_PC,
    LAN_SRV,
    MINIUPNPD,
    NAMESPACES,
    NS_LAN,
    NS_MODEM,
    NS_PC,
    NS_ROUTER,
    NS_WAN,
    REMOTE_IP,
    WAN_PREFIX,
)
from tests.lab.process import kill_pids, netns_pids
from tests.lab.router import MODEM_NFT

_ROUTER = ("-n", NS_ROUTER)


def ip(*args: str) -> None:
    """Run ``ip ARGS`` (raises CalledProcessError on failure)."""
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _sysctl(ns: str, *settings: str) -> None:
    subprocess.run(
        ["ip", "netns", "exec", ns, "sysctl", "-qw", *settings],
        check=True,
        capture_output=True,
        timeout=10,
    )


def namespace_exists(ns: str) -> bool:
    """True if ``ip netns add`` created ``ns`` (its /run/netns bind mount)."""
    return Path(f"/run/netns/{ns}").exists()


def delete_namespaces() -> None:
    """Kill every process inside the lab namespaces by pid, then delete them.

    Also removes a lab left behind by a crashed run (no pidfiles needed).
    """
    for ns in ALL_NAMESPACES:
        if not namespace_exists(ns):
            continue
        kill_pids(netns_pids(ns))
        # deleting the namespace also destroys its veths and bridge
        subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)


def build(wan_ip: str) -> None:
    """Create the four namespaces and wire them up; router WAN = ``wan_ip``."""
    for ns in NAMESPACES:
        _add_namespace(ns)
    ip(*_ROUTER, "link", "add", "wan", "type", "veth", "peer", "name", "eth0", "netns", NS_WAN)
    ip(*_ROUTER, "link", "add", "br-lan", "type", "bridge")
    # no IGMP snooping surprises for SSDP multicast (239.255.255.250)
    ip(*_ROUTER, "link", "set", "br-lan", "type", "bridge", "mcast_snooping", "0")
    for port, ns in (("lan-p1", NS_LAN), ("lan-p2", NS_PC)):
        ip(*_ROUTER, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip(*_ROUTER, "link", "set", port, "master", "br-lan")
    # lab-wan: ISP gateway + remote host, NO default route
    ip("-n", NS_WAN, "addr", "add", f"{ISP_IP}/{WAN_PREFIX}", "dev", "eth0")
    ip("-n", NS_WAN, "addr", "add", f"{REMOTE_IP}/32", "dev", "lo")
    ip("-n", NS_WAN, "link", "set", "eth0", "up")
    ip(*_ROUTER, "addr", "add", f"{LAN_GW}/24", "dev", "br-lan")
    for link in ("wan", "br-lan", "lan-p1", "lan-p2"):
        ip(*_ROUTER, "link", "set", link, "up")
    set_wan_ip(wan_ip, old=None)
    _sysctl(NS_ROUTER, "net.ipv4.ip_forward=1")
    for ns, addr in ((NS_LAN, LAN_SRV), (NS_PC, LAN_PC)):
        ip("-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        ip("-n", ns, "route", "add", "default", "via", LAN_GW)


def _add_namespace(ns: str) -> None:
    ip("netns", "add", ns)
    ip("-n", ns, "link", "set", "lo", "up")
    # IPv4 only: no IPv6 autoconf chatter (miniupnpd runs ipv6_disable)
    _sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")


def insert_modem(wan_ip: str, inside: str) -> None:
    """Put lab-modem between lab-router and lab-wan: a second NAT (double NAT).

    The router's ``wan`` veth moves into lab-modem as its ``wan`` (lab-wan's
    end, with the ISP's addresses and services, stays untouched) and takes
    the public ``wan_ip``; a new veth joins lab-router ``wan`` to lab-modem
    ``lan``.  ``inside`` is the modem's LAN address with its prefix
    (``MODEM_LAN`` or ``CGN_LAN``); the router's WAN gets the next address.
    """
    iface = ipaddress.ip_interface(inside)
    router_wan = f"{iface.ip + 1}/{iface.network.prefixlen}"
    _add_namespace(NS_MODEM)
    # moving a link to another namespace drops its addresses and routes
    ip(*_ROUTER, "link", "set", "wan", "netns", NS_MODEM)
    modem = ("-n", NS_MODEM)
    ip(*modem, "addr", "add", f"{wan_ip}/{WAN_PREFIX}", "dev", "wan")
    ip(*modem, "link", "set", "wan", "up")
    ip(*modem, "route", "add", "default", "via", ISP_IP)
    ip(*_ROUTER, "link", "add", "wan", "type", "veth", "peer", "name", "lan", "netns", NS_MODEM)
    ip(*modem, "addr", "add", inside, "dev", "lan")
    ip(*modem, "link", "set", "lan", "up")
    _sysctl(NS_MODEM, "net.ipv4.ip_forward=1")
    subprocess.run(
        ["ip", "netns", "exec", NS_MODEM, "nft", "-f", "-"],
        input=MODEM_NFT,
        text=True,
        check=True,
        capture_output=True,
        timeout=10,
    )
    ip(*_ROUTER, "addr", "add", router_wan, "dev", "wan")
    ip(*_ROUTER, "link", "set", "wan", "up")
    ip(*_ROUTER, "route", "replace", "default", "via", str(iface.ip))


def remove_modem(wan_ip: str) -> None:
    """Undo :func:`insert_modem`: the router's ``wan`` faces lab-wan again with ``wan_ip``."""
    if not namespace_exists(NS_MODEM):
        return
    ip(*_ROUTER, "link", "del", "wan")  # its peer, the modem's lan, goes with it
    ip("-n", NS_MODEM, "link", "set", "wan", "netns", NS_ROUTER)
    kill_pids(netns_pids(NS_MODEM))
    subprocess.run(["ip", "netns", "del", NS_MODEM], check=False, capture_output=True)
    ip(*_ROUTER, "link", "set", "wan", "up")
    set_wan_ip(wan_ip, old=None)


def set_wan_ip(new: str, old: str | None) -> None:
    """Give the router's ``wan`` the address ``new`` (replacing ``old``)."""
    if old is not None:
        # removing the address also removes the default route through it
        ip(*_ROUTER, "addr", "del", f"{old}/{WAN_PREFIX}", "dev", "wan")
    ip(*_ROUTER, "addr", "add", f"{new}/{WAN_PREFIX}", "dev", "wan")
    if old is not None:
        # the ISP must forget the old address, else lab-wan's ARP cache keeps
        # delivering it to the router (whose DNAT rules match any destination)
        ip("-n", NS_WAN, "neigh", "flush", "to", old)
    ip(*_ROUTER, "route", "replace", "default", "via", ISP_IP)


def prerequisites_missing() -> str | None:
    """One-line reason why the lab cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "router lab needs root"
    for tool in ("ip", "nft", "unshare"):
        if shutil.which(tool) is None:
            return f"router lab needs {tool}"
    if not MINIUPNPD.exists():
        return f"router lab needs {MINIUPNPD} (apt-get install miniupnpd-nftables)"
    return None
