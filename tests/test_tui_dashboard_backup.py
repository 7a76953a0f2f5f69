"""The Overview's backup lines against a real ``pmemail serve`` that schedules backups.

Issue 19: last success (when, size), next run and the last failure in plain
words, English and French. The server makes its first scheduled backup at
start (none succeeded yet); a backup directory that is a file makes it fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from mailcore.backup.state import read_state
from pmemail.app.backup_actions import run_backup
from pmemail.app.formatting import size
from pmemail.config import load_config
from pmemail.config.paths import DataPaths
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import set_language
from pmemail_tui.screens.dashboard import DashboardScreen
from tests.dashboard_support import EchoStub, dashboard_setup, kill_detached
from tests.french_screen_support import english_words
from tests.serve_support import Server, ServeSetup
from tests.test_tui_dashboard import wait_for

WAIT = 40.0
HOUR = 3600.0


def _setup(root: Path, echo: EchoStub, backup_dir: Path) -> ServeSetup:
    setup = dashboard_setup(root, echo.url)
    setup.overrides = {**setup.overrides, "backup": {"interval": HOUR, "dir": str(backup_dir)}}
    setup.write()
    return setup


@pytest.fixture
def running(tmp_path: Path, echo: EchoStub) -> Iterator[ServeSetup]:
    """A server whose schedule makes a backup at once (into tmp_path/backups)."""
    setup = _setup(tmp_path, echo, tmp_path / "backups")
    server = Server(setup)
    try:
        server.wait_ready()
        yield setup
    finally:
        server.kill()
        kill_detached(setup)


def _app(setup: ServeSetup, language: str) -> PmemailApp:
    set_language("en")
    return PmemailApp(
        load_config(setup.config), setup.config, mode="dashboard", language_flag=language
    )


def _panel(screen: DashboardScreen) -> str:
    return str(screen.query_one("#dash-backup", Static).render())


async def _shown(app: PmemailApp, words: str) -> str:
    """The backup panel once it holds ``words``."""
    async with app.run_test(size=(120, 36)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_for(pilot, f"{words!r} in the backup panel", lambda: words in _panel(screen))
        return _panel(screen)


async def test_last_success_size_and_next_run(running: ServeSetup) -> None:
    """The scheduled backup's name, archive size and the next run an hour later."""
    text = await _shown(_app(running, "en"), "Last success:")
    state = read_state(running.data / "state")
    assert state.last_name and state.last_name in text
    assert size(state.last_size) in text
    assert "Next run:" in text and "(every 1h 0m)" in text
    assert "FAILED" not in text


async def test_backups_in_french(running: ServeSetup) -> None:
    text = await _shown(_app(running, "fr"), "Dernière réussite :")
    assert "Sauvegardes" in text and "Prochaine :" in text
    assert not [w for line in text.splitlines() for w in english_words(line)], text


async def test_a_failed_backup_in_plain_words(tmp_path: Path, echo: EchoStub) -> None:
    """A backup directory that is a file: never succeeded, the failure said in words."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the backups should go\n")
    setup = _setup(tmp_path, echo, blocker)
    server = Server(setup)
    try:
        server.wait_ready()
        text = await _shown(_app(setup, "en"), "The last attempt FAILED")
        assert "No backup has succeeded yet." in text
        assert str(blocker) in text  # the failure's own words name the directory
        french = await _shown(_app(setup, "fr"), "La dernière tentative a ÉCHOUÉ")
        assert "Aucune sauvegarde n'a encore réussi." in french
    finally:
        server.kill()
        kill_detached(setup)


async def test_stopped_server_shows_the_recorded_backup(tmp_path: Path, echo: EchoStub) -> None:
    """No server: a backup made by hand is shown; the next run waits for serve."""
    setup = _setup(tmp_path, echo, tmp_path / "backups")
    config = load_config(setup.config)
    outcome = run_backup(config, setup.config, DataPaths.from_config(config, setup.config))
    text = await _shown(_app(setup, "en"), "Last success:")
    assert outcome.manifest.name in text and size(outcome.manifest.archive_size) in text
    assert "Next run: once pmemail serve runs again (every 1h 0m)" in text
