"""The request budget of one forwarding run (fake clock: no timing assertions)."""

from __future__ import annotations

from netcore.router import errors
from netcore.router.errors import RouterError
from netcore.router_etiquette import RequestBudget, budget_error, is_definitive


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_requests_are_spaced_by_the_gap() -> None:
    """The first request goes at once, the next ones wait for the gap."""
    t = FakeTime()
    budget = RequestBudget(gap=0.25, max_requests=10, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        budget.spend()
    assert t.slept == [0.25, 0.25] and budget.sent == 3


def test_count_and_time_bound_the_run() -> None:
    """Past max_requests or the deadline, nothing more is asked, and the reason is said."""
    t = FakeTime()
    budget = RequestBudget(gap=0.0, max_requests=2, deadline=5.0, clock=t.clock, sleep=t.sleep)
    assert budget.exhausted() == ""
    budget.spend()
    budget.spend()
    assert budget.exhausted() == "count"
    assert "2 requests" in str(budget_error("count", budget))
    late = RequestBudget(gap=0.0, deadline=5.0, clock=t.clock, sleep=t.sleep)
    assert late.exhausted() == ""
    t.now += 6
    assert late.exhausted() == "time"
    assert budget_error("time", late).code == errors.NOT_ASKED


def test_a_refusal_is_definitive_silence_is_not() -> None:
    """606/718/501 end a port's attempts; no answer or 'not offered' lets another protocol try."""
    for code in (errors.NOT_AUTHORIZED, errors.CONFLICT, errors.ACTION_FAILED):
        assert is_definitive(RouterError(code, "no"))
    for code in (errors.NO_ROUTER, errors.NETWORK, errors.INVALID_ACTION):
        assert not is_definitive(RouterError(code, "?"))
