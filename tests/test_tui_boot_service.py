"""Pilot tests of surviving a reboot: the launch step's service button, the summary's
to-do line and the dashboard's "at boot" line, with a fake ``systemctl`` on PATH.

The fake is a real program (tests/fake_systemctl.py) whose ``start`` runs the
unit's real ``ExecStart``; the unit is written under ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from pmemail.app import service_unit
from pmemail.app.server_process import server_pid, stop_server
from pmemail.config import DataPaths, load_config
from tests.config_factory import write_config
from tests.fake_systemctl import FakeSystemctl, install_fake_systemctl
from tests.tui_wizard_support import app_overrides, make_app, saved_state, settle, start_at


def text_of(app: object, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)  # type: ignore[attr-defined]
    return str(widget.render())


@pytest.fixture
def config_path(tmp_path: Path) -> Iterator[Path]:
    path = write_config(tmp_path, app_overrides()).path.resolve()
    yield path
    config = load_config(path)
    paths = DataPaths.from_config(config, path)
    if server_pid(paths) is not None:
        stop_server(config, paths)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSystemctl:
    """System and user units both land in tmp (root writes a system unit, others a user one)."""
    units = tmp_path / "units"
    monkeypatch.setattr(service_unit, "SYSTEM_UNIT_DIR", units)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    unit_dir = units if os.geteuid() == 0 else tmp_path / "xdg" / "systemd" / "user"
    return install_fake_systemctl(tmp_path, unit_dir, monkeypatch)


@pytest.mark.timeout(120)
async def test_launch_step_enables_the_service_and_the_summary_drops_the_line(
    config_path: Path, fake: FakeSystemctl
) -> None:
    """The button installs, enables and starts the unit; the to-do list no longer warns."""
    start_at(config_path, "launch")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#launch-install")
        await settle(app, pilot)
        said = text_of(app, "#launch-service")
    assert "starts again by itself after a reboot" in said or "enable-linger" in said, said
    assert fake.verbs()[-3:] == ["enable", "is-active", "start"]
    kept = saved_state(config_path).answers["launch"]
    assert kept["service_enabled"] is True and kept["running"] is True
    start_at(config_path, "summary", answers={"launch": kept, "forward": {"all_mapped": True}})
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        assert "after a reboot" not in text_of(app, "#todo")


async def test_no_systemd_says_what_to_do_and_the_summary_keeps_the_line(
    config_path: Path, fake: FakeSystemctl
) -> None:
    """Where systemd does not run, the step says so plainly, in French too."""
    fake.go_offline()
    start_at(config_path, "launch", language="fr")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#launch-install")
        await settle(app, pilot)
        said = text_of(app, "#launch-service")
    assert "ne redémarrera PAS tout seul" in said and str(config_path) in said, said
    assert saved_state(config_path).answers["launch"]["service_enabled"] is False
    start_at(config_path, "summary", answers=saved_state(config_path).answers)
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        assert "mail stops after a reboot" in text_of(app, "#todo")


async def test_dashboard_shows_whether_the_service_starts_at_boot(
    config_path: Path, fake: FakeSystemctl
) -> None:
    (fake.home / "enabled").touch()
    app = make_app(config_path, mode="dashboard")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert text_of(app, "#dash-boot") == "At boot: started by systemd (service enabled)"
    (fake.home / "enabled").unlink()
    fake.go_offline()
    app = make_app(config_path, mode="dashboard")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert "no systemd here" in text_of(app, "#dash-boot")
