"""The office's own client addresses: its LAN networks and its public address.

The login throttle gives these a separate, larger budget (``mailcore.throttle``).
Which networks are the office's is a fact of this installation, never a guess
from the address itself (a "private" address may be a hotel's, a VPN's, a
container's): the composition root hands over the LAN networks detected on
the interface (or ``security.office_networks``) and a function returning the
public address last seen, which changes with a dynamic IP and is re-read
every ``refresh`` seconds.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterable

log = logging.getLogger("pmemail.auth")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        log.warning("office network %r is not an address or a network (CIDR); ignored", text)
        return None


class OfficeNetworks:
    """``ip in office``: is this client one of the office's own addresses?"""

    def __init__(
        self,
        networks: Iterable[str],
        public: Callable[[], str] = lambda: "",
        *,
        refresh: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Args:
        networks: CIDR networks or single addresses of the office LAN.
        public: the office's public address as last seen ("" = unknown).
        refresh: seconds between calls of ``public``.
        clock: monotonic seconds (tests).
        """
        self.networks = [n for n in map(_parse, networks) if n is not None]
        self._public = public
        self._refresh = refresh
        self._clock = clock
        self._public_net: Network | None = None
        self._read_at: float | None = None

    def _public_network(self) -> Network | None:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self._refresh:
            self._read_at = now
            try:
                address = self._public()
            except OSError as exc:  # an unreadable history must not refuse logins
                log.warning("office public address unreadable: %s", exc)
                address = ""
            self._public_net = _parse(address) if address else None
        return self._public_net

    def __contains__(self, ip: object) -> bool:
        if not isinstance(ip, str):
            return False
        try:
            addr = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        public = self._public_network()
        nets = self.networks if public is None else [*self.networks, public]
        return any(addr in net for net in nets)
