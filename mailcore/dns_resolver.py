"""The resolver of ``network.resolver``, shared by every mailcore DNS user.

ACME's name filter, the inbound sender checks (SPF, DKIM, DMARC) and the
DNS blocklists all ask the server the admin configured, never a guess.
"""

from __future__ import annotations

import ipaddress

import dns.resolver


def make_resolver(server: str, timeout: float) -> dns.resolver.Resolver:
    """A resolver for ``network.resolver`` ("" = the system's, "host" or "host:port").

    The same forms as ``netcore.mail_dns.make_resolver`` (mailcore cannot import
    netcore); an unreadable value falls back to the system's resolver.
    """
    res = dns.resolver.Resolver(configure=not server)
    if server:
        host, port = server, 53
        if server.count(":") == 1:  # host:port (an IPv6 address has several colons)
            host, _, digits = server.partition(":")
            port = int(digits) if digits.isdigit() else 53
        try:
            res.nameservers = [str(ipaddress.ip_address(host))]
        except ValueError:
            res = dns.resolver.Resolver()
        res.port = port
    res.timeout = timeout
    res.lifetime = timeout
    return res
