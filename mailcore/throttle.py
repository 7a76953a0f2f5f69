"""Brute-force throttling of logins: a slot is reserved *before* the password is checked.

Every login reserves a slot in two budgets before the (slow) password check:
its (client address, user) pair and its client address across all users. The
slot is held while the check runs, so parallel guesses count from the moment
they start, not when their verdicts are recorded: with ``max_failures`` 5,
300 parallel logins get at most 5 password checks and 295 refusals, and the
right password sent last is refused too. A success frees its slot and clears
the pair; a failure turns the slot into a recorded failure; an attempt
abandoned during the check (client gone, task cancelled) counts as a failure,
or hanging up would be a free guess.

Budgets: ``max_failures`` per pair (keyed by the pair, not the address alone:
a whole office or hotel may share one NAT address), ``max_failures_per_address``
per address across users (password spraying). A spent budget is locked for
``lock_seconds``; failures quiet for ``lock_seconds`` are forgotten. The office's
own addresses (``office``: its LAN, its public address) draw on separate,
larger budgets, so an attacker outside, or one compromised machine inside,
cannot lock the staff out. IPv6 clients are keyed by their /64, which one
attacker normally holds whole.

A wrong password is answered after ``failure_delay * 2**(n-1)`` seconds, capped
at ``failure_delay_max``: it costs a sequential guesser time without letting
parallel ones hold connections open for long (refusals are answered at once).
One throttle object is shared by SMTP submission, IMAP, POP3 and webmail.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Container
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from pmemail.config.guards import SecurityConfig

log = logging.getLogger("pmemail.auth")

_PRUNE_EVERY = 1024
BUSY_WAIT = 10.0  # seconds a login waits for busy slots before it is refused
_K = TypeVar("_K")


class Locked(Exception):
    """The login is refused unchecked; ``seconds_left`` until it may be tried again."""

    def __init__(self, ip: str, user: str, seconds_left: float) -> None:
        super().__init__(
            f"too many failed logins for {user} from {ip}; try again in {int(seconds_left) + 1} s"
        )
        self.ip, self.user, self.seconds_left = ip, user, seconds_left


class Busy(Locked):
    """Every slot of a budget is held by password checks running now; nothing is locked.

    :meth:`AuthThrottle.acquire` waits for one of them to end instead: a mail
    client opening five connections at once (Thunderbird does) must not be
    refused for checks of its own right password.
    """


@dataclass
class _Budget:
    """Failures of one pair or one address, and its attempts being checked now."""

    failures: int = 0
    in_flight: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0

    def forget_old(self, now: float, window: float) -> None:
        if self.failures and now - self.last_failure > window:
            self.failures = 0

    def wait(self, now: float, limit: int, retry: float) -> float | None:
        """Seconds before a new attempt may start, or None if it may start now."""
        if self.locked_until > now:
            return self.locked_until - now
        if self.failures + self.in_flight >= limit:
            return retry  # the slots are taken by attempts being checked right now
        return None

    def fail(self, now: float, limit: int, lock_seconds: float) -> tuple[int, bool]:
        """Record a failure: (its number, whether it spent the budget and locked it)."""
        self.failures += 1
        self.last_failure = now
        count = self.failures
        if count < limit:
            return count, False
        self.locked_until = now + lock_seconds
        self.failures = 0
        return count, True

    def idle(self, now: float, window: float) -> bool:
        return (
            self.in_flight == 0
            and self.locked_until <= now
            and (self.failures == 0 or now - self.last_failure > window)
        )


def address_key(ip: str) -> str:
    """The client as the throttle counts it: IPv4, IPv4-mapped as IPv4, IPv6 by /64."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip  # not an address ("unknown"): counted under its own name
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


class Attempt:
    """One reserved login: settle it with ``succeeded()`` or ``await failed()``.

    Use it as a context manager around the password check: leaving the block
    unsettled (an exception, a cancellation) records a failure.
    """

    def __init__(self, throttle: AuthThrottle, ip: str, user: str, office: bool) -> None:
        self._throttle = throttle
        self.ip, self.user, self.office = ip, user, office
        self.pair = throttle.pair_budget(ip, user)
        self.address = throttle.address_budget(ip)
        self.settled = False

    def succeeded(self) -> None:
        """The password was right: free the slot and clear the pair's failures."""
        self._throttle.settle(self, ok=True)

    async def failed(self) -> None:
        """The password was wrong: record it, then wait the (capped) failure delay."""
        delay = self._throttle.settle(self, ok=False)
        if delay > 0:
            await asyncio.sleep(delay)

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.settled:
            self._throttle.settle(self, ok=False)


class AuthThrottle:
    """Login budgets reserved before each password check (see the module docstring)."""

    def __init__(
        self,
        security: SecurityConfig,
        clock: Callable[[], float] = time.monotonic,
        office: Container[str] = (),
    ) -> None:
        """Use the limits of ``security`` (``config.security``).

        Args:
            security: the ``[security]`` config section (read at each attempt).
            clock: monotonic seconds; tests pass a fake one to skip a lock.
            office: the office's own client addresses (``ip in office``), given
                the office budgets; built by the composition root.
        """
        self.security = security
        self.office = office
        self._clock = clock
        self._pairs: dict[tuple[str, str], _Budget] = {}
        self._addresses: dict[str, _Budget] = {}
        self._ops = 0
        self.failures_total = 0
        self.locks_total = 0
        self.refusals_total = 0
        self._settled: asyncio.Event | None = None  # set when any attempt ends

    def pair_budget(self, ip: str, user: str) -> _Budget:
        """The (address, user) budget, created on first use."""
        return self._pairs.setdefault((address_key(ip), user.strip().lower()), _Budget())

    def address_budget(self, ip: str) -> _Budget:
        """The budget of the address across users, created on first use."""
        return self._addresses.setdefault(address_key(ip), _Budget())

    def _limits(self, office: bool) -> tuple[int, int]:
        sec = self.security
        if office:
            return sec.office_max_failures, sec.office_max_failures_per_address
        return sec.max_failures, sec.max_failures_per_address

    def reserve(self, ip: str, user: str) -> Attempt:
        """Take a slot for one password check of ``user`` from ``ip``.

        Raises:
            Busy: every slot of a budget is held by checks running now (the
                services call :meth:`acquire`, which waits for one).
            Locked: a budget is locked; the password must not be checked
                (answer at once, no delay).
        """
        now = self._clock()
        sec = self.security
        office = ip in self.office
        pair_limit, address_limit = self._limits(office)
        key = (address_key(ip), user.strip().lower())
        budgets = ((self._pairs.get(key), pair_limit), (self._addresses.get(key[0]), address_limit))
        for budget, limit in budgets:
            if budget is None:
                continue
            budget.forget_old(now, sec.lock_seconds)
            wait = budget.wait(now, limit, max(sec.failure_delay_max, 1.0))
            if wait is not None and budget.locked_until <= now:
                raise Busy(ip, user, wait)  # slots held by running checks: see acquire()
            if wait is not None:
                self.refusals_total += 1
                raise Locked(ip, user, wait)
        attempt = Attempt(self, ip, user, office)
        attempt.pair.in_flight += 1
        attempt.address.in_flight += 1
        return attempt

    async def acquire(self, ip: str, user: str) -> Attempt:
        """:meth:`reserve`, waiting (at most :data:`BUSY_WAIT`) while every slot is held
        by checks running now: when they fail, the budget locks and this login is
        refused unchecked; when they succeed, it takes a freed slot.

        Raises:
            Locked: a budget is locked, or its slots stayed busy too long.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + BUSY_WAIT
        while True:
            try:
                return self.reserve(ip, user)
            except Busy as busy:
                left = give_up - loop.time()
                if left <= 0:
                    self.refusals_total += 1
                    raise Locked(ip, user, busy.seconds_left) from None
                if self._settled is None:
                    self._settled = asyncio.Event()
                try:
                    async with asyncio.timeout(left):
                        await self._settled.wait()
                except TimeoutError:
                    continue  # one last try above, then refused

    def settle(self, attempt: Attempt, ok: bool) -> float:
        """End ``attempt``; returns the delay a failure answer should wait (0 on success)."""
        if attempt.settled:
            return 0.0
        attempt.settled = True
        pair, address = attempt.pair, attempt.address
        pair.in_flight -= 1
        address.in_flight -= 1
        if self._settled is not None:  # wake the logins waiting for a slot
            self._settled.set()
            self._settled = None
        if ok:
            # The address keeps its failures: a guesser's own valid account must
            # not refill the spraying budget.
            pair.failures = 0
            return 0.0
        now = self._clock()
        sec = self.security
        pair_limit, address_limit = self._limits(attempt.office)
        count, pair_locked = pair.fail(now, pair_limit, sec.lock_seconds)
        _, address_locked = address.fail(now, address_limit, sec.lock_seconds)
        self.failures_total += 1
        user = attempt.user.strip().lower()
        log.warning(
            "auth failure: user=%s ip=%s (failure %d of %d)", user, attempt.ip, count, pair_limit
        )
        if pair_locked or address_locked:
            self.locks_total += 1
            log.warning(
                "auth lock: %s from ip=%s locked for %.0f s",
                f"user={user}" if pair_locked else "every user",
                attempt.ip,
                sec.lock_seconds,
            )
        self._maybe_prune(now)
        return min(sec.failure_delay * 2.0 ** (count - 1), sec.failure_delay_max)

    def _maybe_prune(self, now: float) -> None:
        """Forget budgets with nothing left to remember, so memory stays bounded."""
        self._ops += 1
        if self._ops % _PRUNE_EVERY:
            return
        window = self.security.lock_seconds
        _drop_idle(self._pairs, now, window)
        _drop_idle(self._addresses, now, window)


def _drop_idle(table: dict[_K, _Budget], now: float, window: float) -> None:
    for key in [k for k, b in table.items() if b.idle(now, window)]:
        del table[key]
