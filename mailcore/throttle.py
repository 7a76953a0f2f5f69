"""Brute-force throttling of logins, per (client address, user).

Keyed by the pair, never by the address alone: the whole office may sit behind
one NAT address (a hotel, the office router), and one user's wrong-password
storm must not lock out everybody else. After each failure the next attempt of
that pair waits ``failure_delay * 2**(failures-1)``; after ``max_failures`` the
pair is locked for ``lock_seconds``. Shared by SMTP submission, IMAP, POP3 and
webmail.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from pmemail.config.model import SecurityConfig

log = logging.getLogger("pmemail.auth")

# Forget a pair that has been quiet this long after its last failure/lock.
_FORGET_AFTER = 86400.0
_PRUNE_EVERY = 1024


class Locked(Exception):
    """The (address, user) pair is locked; ``seconds_left`` until it opens again."""

    def __init__(self, ip: str, user: str, seconds_left: float) -> None:
        super().__init__(
            f"too many failed logins for {user} from {ip}; try again in {int(seconds_left) + 1} s"
        )
        self.ip, self.user, self.seconds_left = ip, user, seconds_left


@dataclass
class _Pair:
    failures: int = 0
    next_allowed: float = 0.0
    locked_until: float = 0.0
    last_seen: float = 0.0


class AuthThrottle:
    """Growing delays and temporary locks for failed logins."""

    def __init__(
        self, security: SecurityConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Use the delays of ``security`` (``config.security``); ``clock`` for tests."""
        self.security = security
        self._clock = clock
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._ops = 0
        self.failures_total = 0
        self.locks_total = 0

    @staticmethod
    def _key(ip: str, user: str) -> tuple[str, str]:
        return ip, user.strip().lower()

    def check(self, ip: str, user: str) -> float:
        """Seconds the next attempt must wait (0 = go); raises ``Locked`` when locked."""
        pair = self._pairs.get(self._key(ip, user))
        if pair is None:
            return 0.0
        now = self._clock()
        if pair.locked_until > now:
            raise Locked(ip, user, pair.locked_until - now)
        return max(0.0, pair.next_allowed - now)

    async def before_attempt(self, ip: str, user: str) -> None:
        """Wait out the pair's current delay; raises ``Locked`` while it is locked."""
        delay = self.check(ip, user)
        if delay > 0:
            await asyncio.sleep(delay)
            self.check(ip, user)  # a concurrent failure may have locked it meanwhile

    def failure(self, ip: str, user: str) -> None:
        """Record a wrong password (logged with address and user)."""
        now = self._clock()
        key = self._key(ip, user)
        pair = self._pairs.setdefault(key, _Pair())
        pair.failures += 1
        pair.last_seen = now
        self.failures_total += 1
        sec = self.security
        if pair.failures >= sec.max_failures:
            pair.locked_until = now + sec.lock_seconds
            pair.failures = 0
            pair.next_allowed = 0.0
            self.locks_total += 1
            log.warning(
                "auth failure: user=%s ip=%s; locked for %.0f s after %d failures",
                key[1],
                ip,
                sec.lock_seconds,
                sec.max_failures,
            )
        else:
            pair.next_allowed = now + sec.failure_delay * 2 ** (pair.failures - 1)
            log.warning(
                "auth failure: user=%s ip=%s (failure %d of %d)",
                key[1],
                ip,
                pair.failures,
                sec.max_failures,
            )
        self._maybe_prune(now)

    def success(self, ip: str, user: str) -> None:
        """A good login clears the pair's history."""
        self._pairs.pop(self._key(ip, user), None)

    def _maybe_prune(self, now: float) -> None:
        self._ops += 1
        if self._ops % _PRUNE_EVERY:
            return
        stale = [
            k
            for k, p in self._pairs.items()
            if p.locked_until <= now and now - p.last_seen > _FORGET_AFTER
        ]
        for key in stale:
            del self._pairs[key]
