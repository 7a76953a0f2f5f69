"""Pilot tests of the wizard telling the current truth: checks re-run after forwarding,
the summary's latest verdict with its time, a re-check replacing old results.

No router answers on loopback: the forward step's failure paths are real; the
lab tests (another suite) cover a router that answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from pmemail_tui.widgets.check_list import CheckList
from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides, make_app, saved_state, settle, start_at


def text_of(app: object, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)  # type: ignore[attr-defined]
    return str(widget.render())


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, app_overrides(), loopback=False).path


async def test_forwarding_reruns_the_checks_and_keeps_their_time(config_path: Path) -> None:
    """After Apply the checks' answers are the new run's, tagged with the forward step."""
    old = {"verdict_status": "fail", "verdict_summary": "old", "checked_at": 1.0}
    start_at(config_path, "forward", answers={"checks": {**old, "checked_after": "checks"}})
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#forward-apply")
        await settle(app, pilot)
    checks = saved_state(config_path).answers["checks"]
    assert checks["checked_after"] == "forward"
    assert checks["checked_at"] > 1.0 and checks["verdict_summary"] != "old"


async def test_check_again_replaces_the_old_outcome(config_path: Path) -> None:
    """The manual table of the last apply goes; an unreadable router leaves no stale rows."""
    start_at(config_path, "forward")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#forward-apply")
        await settle(app, pilot)
        assert text_of(app, "#forward-manual")  # what to type by hand
        await pilot.click("#forward-check")
        await settle(app, pilot)
        assert text_of(app, "#forward-manual") == ""
        assert text_of(app, "#forward-error").startswith("✘ The router could not be reached")
        assert app.screen.query_one(CheckList).states() == {}


async def test_summary_shows_the_latest_verdict_with_its_time(config_path: Path) -> None:
    checks = {
        "verdict_status": "ok",
        "verdict_summary": "Hosting at the office works.",
        "checked_at": 1772442000.0,
        "checked_after": "launch",
    }
    start_at(config_path, "summary", answers={"checks": checks})
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        verdict = text_of(app, "#summary-verdict")
        assert verdict.startswith("Latest checks (2 March 2026, ")
        assert 'after the step "Launch"): Hosting at the office works.' in verdict
        assert "subscription checks found problems" not in text_of(app, "#todo")


async def test_summary_without_a_run_says_so_in_french(config_path: Path) -> None:
    start_at(config_path, "summary", language="fr")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        assert "n'ont pas encore tourné" in text_of(app, "#summary-verdict")


async def test_summary_words_the_verdict_in_french(config_path: Path) -> None:
    """The verdict is kept as message ids too: a French summary shows no English words."""
    checks = {
        "verdict_status": "ok",
        "verdict_summary": "your subscription allows hosting mail",
        "verdict_messages": {"summary": {"id": "summary.allows", "params": {}}},
        "hosting": "allows",
        "checked_at": 1772442000.0,
        "checked_after": "launch",
    }
    start_at(config_path, "summary", "fr", answers={"checks": checks})
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        verdict = text_of(app, "#summary-verdict")
    assert "« Démarrage ») : votre abonnement permet d'héberger le courrier" in verdict, verdict
