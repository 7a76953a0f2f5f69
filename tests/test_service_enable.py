"""Surviving a reboot: the unit installed, enabled and started, with a fake ``systemctl``.

The fake is a real program on PATH (tests/fake_systemctl.py); the servers
are real ``pmemail serve`` processes on loopback ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pmemail.app import service_enable
from pmemail.app.cert_wording import placeholders, render
from pmemail.app.server_process import server_pid, start_server, stop_server
from pmemail.app.service_texts import TEXTS
from pmemail.config import Config, DataPaths, load_config
from tests.config_factory import write_config
from tests.fake_systemctl import FakeSystemctl, install_fake_systemctl


@pytest.fixture
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Config, Path, DataPaths, FakeSystemctl]]:
    """A config on free loopback ports, a user unit dir in tmp, the fake on PATH."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config_path = write_config(tmp_path, {"dashboard": {"start_timeout": 30.0}}).path
    config = load_config(config_path)
    paths = DataPaths.from_config(config, config_path)
    fake = install_fake_systemctl(tmp_path, tmp_path / "xdg" / "systemd" / "user", monkeypatch)
    yield config, config_path, paths, fake
    if server_pid(paths) is not None:
        stop_server(config, paths)


def test_enables_and_hands_over_from_the_detached_server(
    setup: tuple[Config, Path, DataPaths, FakeSystemctl],
) -> None:
    """The detached server is stopped before the unit starts; the unit's server answers."""
    config, config_path, paths, fake = setup
    start_server(config, config_path, paths)
    detached = server_pid(paths)
    assert detached is not None
    outcome = service_enable.enable_service(config, config_path, paths, user_mode=True)
    assert outcome.msgid == "service.enabled_user", outcome
    assert outcome.enabled and outcome.running
    assert fake.verbs() == ["is-system-running", "daemon-reload", "enable", "is-active", "start"]
    assert all(call[0] == "--user" for call in fake.calls())
    now = server_pid(paths)
    assert now is not None and now != detached  # the unit's own server
    assert (Path(str(paths.root)).parent / "xdg/systemd/user/pmemail.service").exists()
    assert service_enable.service_enabled(user_mode=True) is True


def test_no_systemd_changes_nothing_and_says_what_to_do(
    setup: tuple[Config, Path, DataPaths, FakeSystemctl],
) -> None:
    """systemctl answering "offline" (a container): no unit, the command to run at boot."""
    config, config_path, paths, fake = setup
    fake.go_offline()
    outcome = service_enable.enable_service(config, config_path, paths, user_mode=True)
    assert outcome.msgid == "service.no_systemd" and not outcome.enabled
    assert str(config_path.absolute()) in outcome.params["command"]
    assert fake.verbs() == ["is-system-running"]
    assert service_enable.service_enabled(user_mode=True) is None
    fr = render(TEXTS, outcome.msgid, "fr", **outcome.params)
    assert "ne redémarrera PAS" in fr and outcome.params["command"] in fr


def test_no_systemctl_at_all(
    setup: tuple[Config, Path, DataPaths, FakeSystemctl], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No systemctl on PATH: the same plain answer."""
    config, config_path, paths, _fake = setup
    monkeypatch.setenv("PATH", "/nonexistent")
    outcome = service_enable.enable_service(config, config_path, paths, user_mode=True)
    assert outcome.msgid == "service.no_systemd"


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "fr"}, key
        assert placeholders(texts["en"]) == placeholders(texts["fr"]), key


def test_cli_service_enable(
    setup: tuple[Config, Path, DataPaths, FakeSystemctl],
) -> None:
    """``pmemail service enable --user``: the same use case, its sentence, exit 0 / 1."""
    import os
    import subprocess
    import sys

    config, config_path, paths, fake = setup
    cmd = [sys.executable, "-m", "pmemail", "service", "enable", "--user", "--config"]
    done = subprocess.run(
        [*cmd, str(config_path)], capture_output=True, text=True, timeout=90, env=os.environ
    )
    assert done.returncode == 0, done.stderr
    assert "pmemail now runs as your user's service pmemail.service" in done.stdout
    assert server_pid(paths) is not None
    stop_server(config, paths)
    fake.go_offline()
    done = subprocess.run(
        [*cmd, str(config_path)], capture_output=True, text=True, timeout=90, env=os.environ
    )
    assert done.returncode == 1 and "will NOT start by itself" in done.stderr
