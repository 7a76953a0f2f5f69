"""SVG snapshots of the dashboard's tabs at 80×24 and 120×36 (pytest-textual-snapshot).

Deterministic: a config under ``tmp_path`` (no path is shown), no server running
(the control socket does not exist), a fixed log file, a fixed clock
(``pmemail.app.status_snapshot.clock``), no listening port here, cursor blink
off, and a fixed :class:`NetworkSnapshot` instead of the router/echo round
trips (those are covered by tests/test_tui_dashboard.py and the lab tests), and a
``systemctl`` that answers as where systemd does not run.
Update with ``pytest tests/test_tui_dashboard_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netcore.ip_history import IpObservation
from pmemail.app import status_snapshot
from pmemail.app.network_snapshot import NetworkSnapshot, PortReach
from pmemail.config import Config
from tests.config_factory import write_config
from tests.fake_systemctl import install_fake_systemctl
from tests.tui_wizard_support import app_overrides, make_app, settle

NOW = 1772442000.0  # 2026-03-02 09:00:00 UTC
LOG = [
    "2026-03-02 08:58:01 INFO pmemail.serve: starting (config /etc/pmemail.toml)",
    "2026-03-02 08:58:01 INFO smtp: listening on 0.0.0.0:25",
    "2026-03-02 08:58:02 INFO queue: 0 message(s) waiting",
    "2026-03-02 08:59:40 WARNING relay: smarthost relay.example.net:587 deferred: timed out",
    "2026-03-02 08:59:59 INFO pmemail.serve: stopped (SIGTERM)",
]
# long refresh periods: no tick fires while the picture is taken
QUIET = {"dashboard": {"local_refresh": 3600.0, "network_refresh": 7200.0}}


def fixed_network(config: Config) -> NetworkSnapshot:
    """What a refresh would have found: router mapped two ports, one reachable."""

    def reach(
        name: str,
        mapped: bool | None,
        reachable: bool | None,
        detail: str,
        lease: float | None = None,
    ) -> PortReach:
        why = "reachable" if reachable else "the echo service could not connect"
        external = getattr(config.ports, name).external
        return PortReach(name, external, mapped, detail, lease, reachable, why)

    return NetworkSnapshot(
        taken_at=NOW - 60,
        router="UPnP IGD http://192.168.2.1:5000/rootDesc.xml",
        router_error="",
        router_address="203.0.113.2",
        public_address="203.0.113.7",
        public_error="",
        address_changed=False,
        history=[
            IpObservation(NOW - 7200, NOW - 3700, "203.0.113.5", "203.0.113.5"),
            IpObservation(NOW - 3600, NOW - 60, "203.0.113.7", "203.0.113.2"),
        ],
        ports=[
            reach("smtp", True, True, "to 192.168.2.2:25", 3540.0),
            reach("submission", True, False, "to 192.168.2.2:587", 3540.0),
            reach("imap", False, False, "not in the router's table"),
            reach("pop3", False, False, "not in the router's table"),
        ],
    )


@pytest.fixture
def fixed_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fixed clock, time zone, listening ports and network facts."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(status_snapshot, "clock", lambda: NOW)
    monkeypatch.setattr(status_snapshot, "listening_ports", lambda: set())
    yield
    monkeypatch.undo()
    time.tzset()


def dashboard_app(root: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The dashboard on a fixed config whose server is stopped, with a fixed log."""
    setup = write_config(root, app_overrides(), QUIET, loopback=False)
    config, config_path = setup.config, setup.path
    log = setup.paths.log_file
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    network = fixed_network(config)
    monkeypatch.setattr(
        "pmemail_tui.screens.dashboard.network_snapshot", lambda config, paths: network
    )
    # the "at boot" line must not depend on whether this machine runs systemd
    install_fake_systemctl(root, root, monkeypatch).go_offline()
    return make_app(config_path, mode="dashboard")


def show_tab(key: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot.app, pilot)
        await pilot.press(key)
        await settle(pilot.app, pilot)

    return run_before


TABS = {"overview": "1", "ports": "2", "network": "3", "log": "4", "actions": "5"}


@pytest.mark.usefixtures("fixed_world")
@pytest.mark.parametrize("tab", list(TABS))
def test_tabs_80x24(
    tmp_path: Path, snap_compare: Any, monkeypatch: pytest.MonkeyPatch, tab: str
) -> None:
    app = dashboard_app(tmp_path, monkeypatch)
    assert snap_compare(app, run_before=show_tab(TABS[tab]), terminal_size=(80, 24))


@pytest.mark.usefixtures("fixed_world")
@pytest.mark.parametrize("tab", ["overview", "ports"])
def test_tabs_120x36(
    tmp_path: Path, snap_compare: Any, monkeypatch: pytest.MonkeyPatch, tab: str
) -> None:
    app = dashboard_app(tmp_path, monkeypatch)
    assert snap_compare(app, run_before=show_tab(TABS[tab]), terminal_size=(120, 36))
