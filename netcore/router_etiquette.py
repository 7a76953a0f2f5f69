"""How pmemail treats a router: few requests, spaced, bounded, and a refusal is an answer.

Routers are small computers. miniupnpd (inside OpenWrt and many ISP boxes)
answers a NAT-PMP/PCP request for a refused port by searching every port
for an allowed one: millions of log lines, and the router stops answering
for about a minute. So one ``apply`` run:

* asks each protocol at most once per port (no retry of an answer);
* stops asking about a port once one protocol refused it definitively
  (UPnP 606/718/501..., NAT-PMP/PCP "not authorized"): asking another
  protocol the same question only makes the router search again;
* waits ``gap`` seconds between two requests;
* sends at most ``max_requests`` requests and stops after ``deadline``
  seconds: the ports not asked are reported as such, never silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from netcore.checks.verdict_messages import Msg
from netcore.router import errors
from netcore.router.errors import RouterError

NO_ANSWER_CODES = frozenset({errors.NO_ROUTER, errors.NETWORK, errors.INVALID_ACTION})
"""Codes that are not a refusal: nobody answered, or this protocol is not offered."""


def is_definitive(exc: RouterError) -> bool:
    """True when the router answered "no" (another protocol must not ask again)."""
    return exc.code not in NO_ANSWER_CODES


@dataclass
class RequestBudget:
    """The requests one run may still send to the router, and when.

    Attributes:
        gap: seconds between two requests.
        max_requests: requests allowed in the run.
        deadline: seconds the run may last.
        sent: requests sent so far.
    """

    gap: float = 0.2
    max_requests: int = 40
    deadline: float = 60.0
    sent: int = 0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _started: float = field(default=-1.0, repr=False)
    _last: float = field(default=-1.0, repr=False)

    def exhausted(self) -> str:
        """Why no more request may be sent ("" while some may)."""
        now = self.clock()
        if self._started < 0:
            self._started = now
        if self.sent >= self.max_requests:
            return "count"
        if now - self._started >= self.deadline:
            return "time"
        return ""

    def spend(self) -> None:
        """Count one request, first waiting for the gap since the previous one."""
        if self._started < 0:
            self._started = self.clock()
        if self._last >= 0:
            wait = self._last + self.gap - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()
        self.sent += 1

    def elapsed(self) -> float:
        """Seconds since the first request (0 before)."""
        return 0.0 if self._started < 0 else self.clock() - self._started


def budget_error(reason: str, budget: RequestBudget) -> RouterError:
    """The failure of a port that was not asked because the budget ran out."""
    if reason == "count":
        text = Msg("fwd.err.budget_count", {"count": str(budget.max_requests)})
    else:
        text = Msg("fwd.err.budget_time", {"seconds": f"{budget.deadline:g}"})
    return RouterError(errors.NOT_ASKED, text)
