"""Which language pmemail speaks: ``--lang``, else the config, else LANG / LC_MESSAGES.

One function decides (``pmemail.config.language``); the CLI and the app both
use it, and the wizard's choice is written to the config so the CLI follows.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from textual.widgets import RadioButton

from pmemail.cli.main import main
from pmemail.config import load_config
from pmemail.config.language import environment_language, resolve_language
from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides, make_app, settle


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_BE.UTF-8"}, "fr"),
        ({"LANG": "fr_FR"}, "fr"),
        ({"LANG": "fr_FR@euro"}, "fr"),
        ({"LC_MESSAGES": "fr_BE.UTF-8", "LANG": "en_GB.UTF-8"}, "fr"),
        ({"LC_ALL": "C", "LANG": "fr_BE.UTF-8"}, None),
        ({"LANGUAGE": "fr:en", "LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "nl_BE.UTF-8"}, None),
        ({}, None),
    ],
)
def test_environment_language(environ: dict[str, str], expected: str | None) -> None:
    """The first variable set decides; French and English are recognised."""
    assert environment_language(environ) == expected


def test_flag_then_config_then_environment() -> None:
    """``--lang`` wins, then an explicit config value, then the environment, then English."""
    french = {"LANG": "fr_BE.UTF-8"}
    assert resolve_language("en", "fr", french) == "en"
    assert resolve_language(None, "en", french) == "en"
    assert resolve_language(None, "auto", french) == "fr"
    assert resolve_language(None, "auto", {"LANG": "nl_BE.UTF-8"}) == "en"
    assert resolve_language("fr", "auto", {}) == "fr"


def _held(config: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main([*argv, "--config", str(config), "collector", "held"]) == 0
    return capsys.readouterr().out


def test_cli_speaks_lang_env_and_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``language = "auto"`` follows LANG=fr_BE.UTF-8; ``--lang en`` overrides it."""
    config = write_config(tmp_path).path
    assert load_config(config).language == "auto"
    monkeypatch.setenv("LANG", "fr_BE.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert "Aucun message" in _held(config, capsys)
    assert "No message" in _held(config, capsys, "--lang", "en")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "No message" in _held(config, capsys)
    assert "Aucun message" in _held(config, capsys, "--lang", "fr")


async def test_choosing_french_is_saved_in_the_config(tmp_path: Path) -> None:
    """Français on the welcome step writes ``language = "fr"``: the CLI speaks French too."""
    config_path = write_config(tmp_path, app_overrides(), loopback=False).path
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#lang-fr")
        await settle(app, pilot)
        assert app.screen.query_one("#lang-fr", RadioButton).value
    saved = tomllib.loads(config_path.read_text("utf-8"))
    assert saved["language"] == "fr"
    assert os.environ.get("LANG", "") != "fr_BE.UTF-8"  # not from the environment


async def test_auto_stays_auto_when_the_app_saves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app speaks LANG's French but writes back ``auto``, not the resolved value."""
    monkeypatch.setenv("LANG", "fr_BE.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    config_path = write_config(tmp_path, app_overrides(), loopback=False).path
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.config.language == "fr"
        assert app.screen.query_one("#lang-fr", RadioButton).value
        app.update_port_host("imap", "192.168.1.20")
    assert tomllib.loads(config_path.read_text("utf-8"))["language"] == "auto"
