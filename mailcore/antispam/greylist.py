"""Greylisting (off by default): a first delivery attempt is deferred with 451.

Real mail servers retry after a few minutes; much spamware never does. A
(client network, sender, recipient) triplet seen for the first time is
answered ``451 4.7.1``; a retry after ``delay`` seconds passes, and from
then on the client's network is a known sender: none of its mail is delayed
again for ``keep`` seconds. ``whitelist`` entries (sender addresses,
sender domains, client networks) are never delayed. The state is kept in
memory: after a restart a first attempt is deferred again (delayed, never
lost, as the sender retries).
"""

from __future__ import annotations

import collections
import ipaddress
import time
from collections.abc import Callable, Iterable

_RETRY_WINDOW = 86400.0  # a triplet not retried within a day is forgotten
_MAX_ENTRIES = 100_000  # memory bound: the oldest triplets go first


def client_network(ip: str) -> str:
    """The network a sender's retries may come from: its /24 (IPv4) or /64 (IPv6)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 64
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))


class Greylist:
    """Decides, per recipient, whether to defer a first attempt."""

    def __init__(
        self,
        delay: float,
        keep: float,
        whitelist: Iterable[str] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Defer new triplets for ``delay`` s; trust a network that retried for ``keep`` s."""
        self.delay, self.keep, self._clock = delay, keep, clock
        self._senders: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in (e.strip().lower() for e in whitelist):
            try:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if entry:
                    self._senders.add(entry)
        self._first_seen: collections.OrderedDict[tuple[str, str, str], float] = (
            collections.OrderedDict()
        )
        self._known: dict[str, float] = {}

    def _whitelisted(self, ip: str, sender: str) -> bool:
        if sender and (sender in self._senders or sender.rpartition("@")[2] in self._senders):
            return True
        try:
            addr = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return False
        return any(addr in net for net in self._networks)

    def defer(self, ip: str, sender: str, recipient: str) -> float | None:
        """Seconds the client should wait before retrying, or None to accept now."""
        sender, recipient = sender.lower(), recipient.lower()
        if self._whitelisted(ip, sender):
            return None
        now = self._clock()
        network = client_network(ip)
        known_until = self._known.get(network)
        if known_until is not None and known_until > now:
            return None
        key = (network, sender, recipient)
        first = self._first_seen.get(key)
        if first is None or now - first > _RETRY_WINDOW:
            self._first_seen[key] = now
            self._first_seen.move_to_end(key)
            while len(self._first_seen) > _MAX_ENTRIES:
                self._first_seen.popitem(last=False)
            return self.delay
        if now - first < self.delay:
            return self.delay - (now - first)
        del self._first_seen[key]
        if len(self._known) >= _MAX_ENTRIES:
            self._known = {n: t for n, t in self._known.items() if t > now}
        self._known[network] = now + self.keep  # a real server: trust its network
        return None
