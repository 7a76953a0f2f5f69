"""Address harvesting on port 25: past a budget of unknown recipients, nothing is revealed."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.smtp.harvest import HarvestGuard
from tests.smtp_support import MailServer, running
from tests.smtp_support import test_config as smtp_config

LIMIT = 20


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    config = smtp_config(tmp_path, max_unknown_recipients=LIMIT)
    yield from running(tmp_path, config)


def _rcpt_codes(port: int, source: str, recipients: list[str]) -> list[int]:
    with smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=30) as client:
        client.ehlo("harvester.example")
        client.mail("probe@harvester.example")
        return [client.rcpt(address)[0] for address in recipients]


def test_unknown_recipients_past_the_budget_reveal_nothing(server: MailServer) -> None:
    """3,000 guesses get 550 only up to the budget; then every recipient, real or not,
    gets the same temporary 450 — while another client address is still served."""
    port = server.port("smtp")
    guesses = [f"user{n}@example.be" for n in range(3000)]
    codes = _rcpt_codes(port, "127.0.0.1", guesses)
    assert codes[:LIMIT] == [550] * LIMIT
    assert set(codes[LIMIT:]) == {450}
    assert _rcpt_codes(port, "127.0.0.1", ["alice@example.be", "nobody@example.be"]) == [450, 450]
    assert _rcpt_codes(port, "127.0.0.2", ["alice@example.be", "nobody@example.be"]) == [250, 550]


def test_budget_comes_back_after_the_window() -> None:
    """Misses older than the window no longer count."""
    now = [0.0]
    guard = HarvestGuard(limit=2, window=900.0, clock=lambda: now[0])
    guard.miss("198.51.100.7")
    guard.miss("198.51.100.7")
    assert guard.blocked("198.51.100.7") and not guard.blocked("198.51.100.8")
    now[0] = 901.0
    assert not guard.blocked("198.51.100.7")
