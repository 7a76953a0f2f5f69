"""Which client counts as "this machine" for ``security.plaintext_auth_on_loopback``.

Only 127.0.0.1 and ::1 (and 127.0.0.1 as an IPv4-mapped IPv6 address on a
dual-stack socket), not all of 127.0.0.0/8: a TLS-terminating proxy or a
tunnel on the host may connect from another 127.x address, which would make
every remote client look local and let its password cross the network in
clear. One function for SMTP submission, IMAP and POP3 so they cannot drift.
"""

from __future__ import annotations

import ipaddress

_LOCAL = frozenset({ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")})


def is_local_peer(host: object) -> bool:
    """Whether ``host`` (a peer address as text) is exactly 127.0.0.1 or ::1."""
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])  # no IPv6 zone
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip in _LOCAL
