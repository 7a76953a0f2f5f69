"""DNS blocklists (RFC 5782): is this client address listed?

A listed address answers ``127.0.0.x`` under ``<reversed address>.<list>``.
Spamhaus answers ``127.255.255.x`` when it refuses the question (a public
resolver, over-use): that is a fault of ours, never a listing, so the client
passes and the fault is reported (``Unusable``) for the log.
"""

from __future__ import annotations

import ipaddress

import dns.resolver

from mailcore.antispam import dnsq


class Unusable(Exception):
    """The list refused to answer (an error code instead of a listing)."""


def query_name(ip: str, zone: str) -> str | None:
    """``<reversed address>.<zone>``, or None for an address that is not one."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.reverse_pointer.removesuffix(".in-addr.arpa").removesuffix(".ip6.arpa") + (
        "." + zone.strip(".")
    )


def listed_by(resolver: dns.resolver.Resolver, ip: str, zones: list[str]) -> str | None:
    """The first list of ``zones`` that lists ``ip``, or None. Blocking.

    Raises:
        dnsq.TempFail: a list did not answer (the others were still asked).
        Unusable: a list answered with an error code.
    """
    fault: Exception | None = None
    for zone in zones:
        name = query_name(ip, zone)
        if name is None:
            return None
        try:
            found = dnsq.addresses(resolver, name)
        except dnsq.TempFail as err:
            fault = err
            continue
        codes = [ipaddress.ip_address(a) for a in found]
        if any(c in ipaddress.ip_network("127.255.255.0/24") for c in codes):
            fault = Unusable(f"{zone} answered {', '.join(found)} (query refused)")
        elif any(c in ipaddress.ip_network("127.0.0.0/8") for c in codes):
            return zone
    if fault is not None:
        raise fault
    return None
