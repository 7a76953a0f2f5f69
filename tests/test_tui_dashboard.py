"""Pilot tests of the dashboard against a real ``pmemail serve`` on loopback.

The network facts come from a loopback echo stub; the router cannot be
reached (the network guard refuses UPnP outside the lab), which is exactly
what the router actions must report as a clean message.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Log, Static

from pmemail.config import load_config
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import catalogue
from pmemail_tui.screens.dashboard import DashboardScreen
from pmemail_tui.widgets.confirm_modal import ConfirmModal
from pmemail_tui.widgets.dashboard.actions import DashAction
from pmemail_tui.widgets.dashboard.panels import PortsTable, ServicesTable
from tests.dashboard_support import PUBLIC_IP, EchoStub, dashboard_setup, echo_stub, kill_detached
from tests.serve_support import Server, ServeSetup

SIZES = [(80, 24), (120, 36)]
WAIT = 40.0


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


@pytest.fixture
def server(setup: ServeSetup) -> Iterator[Server]:
    srv = Server(setup)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.kill()


def make_app(setup: ServeSetup) -> PmemailApp:
    return PmemailApp(load_config(setup.config), setup.config, mode="dashboard")


def board(pilot: Pilot[None]) -> DashboardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def text_of(screen: DashboardScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def wait_for(pilot: Pilot[None], what: str, cond: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def idle(pilot: Pilot[None]) -> DashboardScreen:
    """Wait until no action runs, return the screen."""
    screen = board(pilot)
    await wait_for(pilot, "the action to finish", lambda: not screen.busy)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_renders_running_server_with_counters(
    setup: ServeSetup, server: Server, size: tuple[int, int]
) -> None:
    """Services running with pid and counters; ports and network tabs filled; footer keys."""
    app = make_app(setup)
    async with app.run_test(size=size) as pilot:
        screen = board(pilot)
        await wait_for(
            pilot, "the running server", lambda: screen.local is not None and screen.local.running
        )
        assert f"pid {server.proc.pid}" in text_of(screen, "#dash-server")
        with smtplib.SMTP("127.0.0.1", setup.ports["smtp"], timeout=10) as client:
            client.noop()
        table = screen.query_one(ServicesTable)
        await wait_for(
            pilot,
            "the smtp connection counter",
            lambda: table.row_count > 0 and "connections_total 1" in str(table.get_row("smtp")[4]),
        )
        for key in ("smtp", "submission", "pop3", "queue", "delivery"):
            assert str(table.get_row(key)[1]) == "running"
        assert "Mail: 0 accepted" in text_of(screen, "#dash-mail")
        await wait_for(pilot, "the network snapshot", lambda: screen.network is not None)
        await pilot.press("2")
        ports = screen.query_one(PortsTable)
        await wait_for(pilot, "port rows", lambda: ports.row_count >= 6)
        smtp = [str(c) for c in ports.get_row("smtp")]
        assert smtp[2] == "listening" and smtp[3] == "unknown" and smtp[4] == "reachable"
        imap = [str(c) for c in ports.get_row("imap")]
        assert imap[4] == "blocked" and "router not readable" in imap[6]
        assert "router not readable" in text_of(screen, "#dash-port-why")
        await pilot.press("3")
        network = text_of(screen, "#dash-network")
        assert f"Public address: {PUBLIC_IP}" in network
        assert "Router not readable" in network
        footer = pilot.app.screen.active_bindings
        for key in ("s", "x", "r", "f", "u", "c", "e", "g"):
            assert key in footer and footer[key].binding.show


async def test_start_stop_restart_keys(setup: ServeSetup) -> None:
    """s starts the server, x stops it once confirmed, r restarts it (a new pid)."""
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = board(pilot)
        await wait_for(pilot, "stopped state", lambda: screen.local is not None)
        assert "not running" in text_of(screen, "#dash-server")
        await pilot.press("s")
        screen = await idle(pilot)
        assert "pmemail serve started" in text_of(screen, "#dash-message")
        await wait_for(pilot, "running", lambda: bool(screen.local and screen.local.running))
        first = screen.local.process.pid if screen.local and screen.local.process else 0
        await pilot.press("r")
        screen = await idle(pilot)
        assert "restarted" in text_of(screen, "#dash-message")
        await wait_for(
            pilot,
            "a new pid",
            lambda: bool(
                screen.local and screen.local.process and screen.local.process.pid != first
            ),
        )
        await pilot.press("x")  # all mail would stop: asked first; Escape says no
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("escape")
        screen = await idle(pilot)
        assert screen.local is not None and screen.local.running
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        screen = await idle(pilot)
        assert "pmemail serve stopped" in text_of(screen, "#dash-message")
        await wait_for(pilot, "stopped", lambda: bool(screen.local and not screen.local.running))
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        screen = await idle(pilot)
        assert "not running" in text_of(screen, "#dash-message")
        assert screen.query_one("#dash-message").has_class("error")


async def test_retry_queue_key(setup: ServeSetup, server: Server) -> None:
    """e asks the running server to retry the queue."""
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        screen = await idle(pilot)
        assert "are being retried now" in text_of(screen, "#dash-message")


@pytest.mark.parametrize(
    "key,words", [("f", "cannot forward the ports"), ("u", "cannot remove the mappings")]
)
async def test_router_actions_report_no_router(setup: ServeSetup, key: str, words: str) -> None:
    """Forward all / remove with no reachable router: a clear message, the app lives on."""
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        screen = await idle(pilot)
        message = text_of(screen, "#dash-message")
        assert words in message and "Traceback" not in message
        assert screen.query_one("#dash-message").has_class("error")
        await pilot.press("g")  # still responsive
        assert pilot.app.is_running


async def test_rerun_checks_key(setup: ServeSetup) -> None:
    """c re-runs the doctor: each check appears in the Actions tab, then the verdict."""
    app = make_app(setup)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("c")
        screen = await idle(pilot)
        assert "checks done" in text_of(screen, "#dash-message")
        lines = "\n".join(str(line) for line in screen.query_one("#dash-actions", Log).lines)
        assert "Public address" in lines and "Outbound port 25" in lines
        assert lines.count("Outbound port 25") == 1, lines  # each check shown once
        assert screen.query_one("TabbedContent").active == "actions"  # type: ignore[attr-defined]


async def test_second_action_refused_while_busy(setup: ServeSetup) -> None:
    """A second key while an action runs says so instead of starting another."""
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "e")
        screen = await idle(pilot)
        lines = [str(line) for line in screen.query_one("#dash-actions", Log).lines]
        assert "Retry queue: Start is still running; wait for it to finish" in lines
        assert not any(line.startswith("Retry queue: 1") for line in lines)


def test_actions_are_known_by_name_whatever_the_language() -> None:
    """Each action has a label in both languages; what it refreshes does not hang on it."""
    for language in ("en", "fr"):
        words = catalogue(language)
        for action in DashAction:
            assert words[f"dash.action.{action.value}"]
    assert catalogue("fr")["dash.action.forward"] != catalogue("en")["dash.action.forward"]
    changing = {a for a in DashAction if a.changes_network}
    assert changing == {DashAction.FORWARD, DashAction.UNMAP, DashAction.CHECKS}
