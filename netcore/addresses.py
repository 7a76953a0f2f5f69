"""Classify IP addresses for the question "can the internet reach us here?".

Every address the doctor sees (LAN, router WAN, echo answer) is sorted into
one :data:`AddressKind`. The NAT verdict does not need the whole taxonomy,
only :func:`is_routable_for_us`: an address is usable as the office's public
address unless it is private, shared (CGNAT), loopback, link-local or
unspecified.

Why documentation ranges (RFC 5737, RFC 3849) count as usable: they are not
routed on the real internet, so no real ISP hands them out, and the only
place pmemail ever sees one as "the public address" is a lab that plays the
internet with them (ours does). Refusing them would make a lab office
impossible to declare "ok" while teaching nothing about real subscriptions.
The classification still says "documentation", so nothing is hidden.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

AddressKind = Literal[
    "public",
    "private",
    "shared",
    "documentation",
    "loopback",
    "link-local",
    "unspecified",
    "multicast",
    "reserved",
    "invalid",
]

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598: carrier-grade NAT
_DOCUMENTATION = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
_NOT_ROUTABLE: frozenset[AddressKind] = frozenset(
    {
        "private",
        "shared",
        "loopback",
        "link-local",
        "unspecified",
        "multicast",
        "reserved",
        "invalid",
    }
)

KIND_WORDS: dict[AddressKind, str] = {
    "public": "a public internet address",
    "private": "a private (RFC 1918) address, only valid inside a network",
    "shared": "a shared carrier-grade NAT address (100.64.0.0/10): the ISP shares it "
    "between customers",
    "documentation": "a documentation address (RFC 5737), used by test labs",
    "loopback": "a loopback address (this machine only)",
    "link-local": "a link-local address (no DHCP answer, not routable)",
    "unspecified": "no address (0.0.0.0)",
    "multicast": "a multicast address",
    "reserved": "a reserved address",
    "invalid": "not an IP address",
}


def classify(address: str) -> AddressKind:
    """Sort ``address`` (IPv4 or IPv6 text) into one kind.

    Order matters: 100.64/10 and the documentation nets are flagged
    ``is_private`` by :mod:`ipaddress`, so they are tested first.

    Args:
        address: an IP address as text; anything else is "invalid".

    Returns:
        The kind of the address.
    """
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.version == 4 and ip in _SHARED:
        return "shared"
    if any(ip in net for net in _DOCUMENTATION if net.version == ip.version):
        return "documentation"
    if ip.is_reserved:  # before is_private, which also covers 240.0.0.0/4
        return "reserved"
    if ip.is_private:
        return "private"
    return "public"


def is_routable_for_us(address: str) -> bool:
    """True if ``address`` can serve as the office's public address.

    Documentation addresses are accepted on purpose (see the module doc).
    """
    return classify(address) not in _NOT_ROUTABLE
