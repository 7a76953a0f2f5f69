"""Address harvesting on port 25: a budget of unknown recipients per client address.

A spammer learns which addresses exist by trying thousands and keeping those
not answered ``550 no such user``. Past ``security.max_unknown_recipients``
misses within ``security.lock_seconds`` from one address, every recipient
from it, known or not, gets the same temporary ``450``: a real sender's
server retries later, a harvester learns nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BLOCKED = "450 4.7.1 Too many unknown recipients from your address, try again later"
_PRUNE_AT = 10_000  # addresses remembered before the stale ones are dropped


class HarvestGuard:
    """Counts unknown recipients per client address over a sliding window."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Allow ``limit`` unknown recipients per address in ``window`` seconds."""
        self.limit = limit
        self.window = window
        self._clock = clock
        self._misses: dict[str, list[float]] = {}
        self.blocked_total = 0

    def blocked(self, ip: str) -> bool:
        """Whether ``ip`` has spent its budget (counted as one more refusal when so)."""
        recent = self._recent(ip)
        if len(recent) >= self.limit:
            self.blocked_total += 1
            return True
        return False

    def miss(self, ip: str) -> None:
        """``ip`` named a recipient that does not exist here."""
        self._recent(ip).append(self._clock())
        if len(self._misses) > _PRUNE_AT:
            for stale in [a for a in self._misses if not self._recent(a)]:
                del self._misses[stale]

    def _recent(self, ip: str) -> list[float]:
        since = self._clock() - self.window
        kept = [t for t in self._misses.get(ip, []) if t > since][-self.limit :]
        self._misses[ip] = kept
        return kept
