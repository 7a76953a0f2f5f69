"""Every dashboard tab in French, against a real ``pmemail serve`` on loopback.

The network facts come from a loopback echo stub (tests.dashboard_support);
the router cannot be reached outside the lab, which the Ports tab must say
in French too. :mod:`tests.french_screen_support` names any English word.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from pmemail.config import load_config
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import set_language
from pmemail_tui.screens.dashboard import DashboardScreen
from tests.dashboard_support import EchoStub, dashboard_setup, echo_stub, kill_detached
from tests.french_screen_support import english_lines
from tests.serve_support import Server, ServeSetup

WAIT = 40.0
TABS = ("1", "2", "3", "4", "5", "6")
# The Log tab shows the server's own log file: data for whoever reads logs, kept
# in English on purpose (one language to search and to report).
SKIP = ("#dash-log",)
# The network guard of the tests refuses UPnP outside the lab; its words are the
# router error's detail, shown as it is.
GUARD = "miniupnpc.UPnP() outside the lab namespaces"


@pytest.fixture
def echo() -> Iterator[EchoStub]:
    with echo_stub(reachable={25}) as stub:
        yield stub


@pytest.fixture
def setup(tmp_path: Path, echo: EchoStub) -> Iterator[ServeSetup]:
    s = dashboard_setup(tmp_path, echo.url)
    try:
        yield s
    finally:
        kill_detached(s)


async def _until(pilot: Pilot[None], what: str, cond: object) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _english_on_every_tab(app: PmemailApp, keys: tuple[str, ...] = ()) -> list[str]:
    """Open the dashboard, press ``keys`` (actions, each waited for), read every tab."""
    found: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        await _until(pilot, "the local snapshot", lambda: screen.local is not None)
        await _until(pilot, "the network snapshot", lambda: screen.network is not None)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.1)
            await _until(pilot, f"the action of {key!r}", lambda: screen.busy is None)
        for tab in TABS:
            await pilot.press(tab)
            await pilot.pause(0.3)
            lines = english_lines(pilot.app.screen, SKIP)
            found += [f"tab {tab}: {line}" for line in lines if GUARD not in line]
    return found


def _french_app(setup: ServeSetup) -> PmemailApp:
    set_language("en")
    return PmemailApp(load_config(setup.config), setup.config, mode="dashboard", language_flag="fr")


async def test_dashboard_running_in_french(setup: ServeSetup) -> None:
    """Server running: states, counters, ports, network, log and actions read French."""
    server = Server(setup)
    try:
        server.wait_ready()
        found = await _english_on_every_tab(_french_app(setup))
    finally:
        server.kill()
    assert not found, "\n".join(found)


async def test_dashboard_stopped_in_french(setup: ServeSetup) -> None:
    """Server stopped: the stopped states, "never" and an action's result read French."""
    found = await _english_on_every_tab(_french_app(setup), keys=("e",))
    assert not found, "\n".join(found)
