"""The connection counter shared by every listener, and the rate-limited log line."""

from __future__ import annotations

import errno
import logging

import pytest

from mailcore.connection_limits import ConnectionLimiter
from mailcore.resource_errors import RateLimitedLog, exhausted, out_of_descriptors


def test_per_address_cap_leaves_other_addresses_alone() -> None:
    """An address at its cap is refused; another address is still admitted."""
    limiter = ConnectionLimiter("smtp", max_total=10, max_per_address=2)
    slots = [limiter.admit("192.0.2.1") for _ in range(2)]
    assert all(slots)
    assert limiter.admit("192.0.2.1") is None
    assert limiter.admit("192.0.2.2") is not None
    assert limiter.open == 3 and limiter.open_from("192.0.2.1") == 2
    assert limiter.refused_total == 1


def test_global_cap() -> None:
    """Over ``max_total`` every address is refused until a slot is released."""
    limiter = ConnectionLimiter("imap", max_total=3, max_per_address=100)
    slots = [limiter.admit(f"192.0.2.{i}") for i in range(3)]
    assert limiter.admit("192.0.2.9") is None
    first = slots[0]
    assert first is not None
    first.release()
    assert limiter.admit("192.0.2.9") is not None


def test_release_is_idempotent_and_forgets_addresses() -> None:
    """Releasing twice counts once; an address with no connection leaves no entry."""
    limiter = ConnectionLimiter("pop3", max_total=5, max_per_address=1)
    slot = limiter.admit("192.0.2.1")
    assert slot is not None
    slot.release()
    slot.release()
    assert limiter.open == 0 and limiter.open_from("192.0.2.1") == 0
    assert limiter.addresses == 0  # the map must not grow with every address ever seen
    assert limiter.admit("192.0.2.1") is not None


def test_zero_means_no_cap() -> None:
    """Caps of 0 (tests, the submission listener built without a limiter) admit all."""
    limiter = ConnectionLimiter("x", 0, 0)
    assert all(limiter.admit("192.0.2.1") for _ in range(1000))


def test_a_flood_of_refusals_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    """1,000 refusals in a row: one warning, not one per connection."""
    limiter = ConnectionLimiter("smtp", max_total=0, max_per_address=1)
    assert limiter.admit("192.0.2.1") is not None
    with caplog.at_level(logging.WARNING, "pmemail.limits"):
        for _ in range(1000):
            assert limiter.admit("192.0.2.1") is None
    assert len(caplog.records) == 1
    assert "192.0.2.1" in caplog.text and "max_connections_per_address" in caplog.text


def test_rate_limited_log_counts_what_it_skipped(caplog: pytest.LogCaptureFixture) -> None:
    """After the interval, the next line says how many were skipped."""
    now = [0.0]
    rate = RateLimitedLog(logging.getLogger("test.rate"), interval=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "test.rate"):
        assert rate.warning("k", "disk full on %s", "spool")
        assert not rate.warning("k", "disk full on %s", "spool")
        assert not rate.warning("k", "disk full on %s", "spool")
        assert rate.warning("other", "another key")
        now[0] = 61
        assert rate.warning("k", "disk full on %s", "spool")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "disk full on spool",
        "another key",
        "disk full on spool (and 2 more since the last such line)",
    ]


@pytest.mark.parametrize(
    ("code", "is_exhausted", "descriptors"),
    [
        (errno.EMFILE, True, True),
        (errno.ENFILE, True, True),
        (errno.ENOSPC, True, False),
        (errno.EDQUOT, True, False),
        (errno.ENOENT, False, False),
    ],
)
def test_exhaustion_errors(code: int, is_exhausted: bool, descriptors: bool) -> None:
    """Which OS errors are temporary shortages."""
    error = OSError(code, "x")
    assert exhausted(error) is is_exhausted
    assert out_of_descriptors(error) is descriptors
    assert not exhausted(ValueError("x"))
