"""The dashboard's Users tab against a real ``pmemail serve`` on loopback, and its start probes.

A user added on the dashboard logs in over IMAP (imaplib) to the running
server; password, protocol, alias and removal go through the same user store
the CLI uses. Starting the server from the dashboard greets each port politely:
its log holds no "Connection lost" line from the app's own readiness probes.
"""

from __future__ import annotations

import imaplib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from mailcore.users import UserStore
from pmemail.app.server_process import start_server, stop_server
from pmemail.config import DataPaths, load_config
from pmemail_tui.app import PmemailApp
from pmemail_tui.screens.dashboard import DashboardScreen
from pmemail_tui.widgets.dashboard.panels import ServicesTable
from pmemail_tui.widgets.dashboard.users_tab import UsersTab
from pmemail_tui.widgets.user_form import UserFormModal
from tests.dashboard_support import EchoStub, dashboard_setup, kill_detached
from tests.serve_support import Server, ServeSetup
from tests.smtp_support import client_tls

WAIT = 40.0
PASSWORD = "une phrase assez longue"


@pytest.fixture
def setup(tmp_path: Path, echo: EchoStub) -> Iterator[ServeSetup]:
    s = dashboard_setup(tmp_path, echo.url)
    try:
        yield s
    finally:
        kill_detached(s)


async def _until(pilot: Pilot[None], what: str, cond: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _done(pilot: Pilot[None]) -> DashboardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    await _until(pilot, "the action", lambda: screen.busy is None)
    await pilot.pause()
    return screen


def _imap_login(setup: ServeSetup, address: str, password: str) -> None:
    with imaplib.IMAP4("127.0.0.1", setup.ports["imap"], timeout=10) as client:
        client.starttls(client_tls())  # LOGIN only under TLS
        client.login(address, password)
        assert client.select("INBOX")[0] == "OK"
        client.logout()


async def _fill(pilot: Pilot[None], values: dict[str, str]) -> None:
    await _until(pilot, "the form", lambda: isinstance(pilot.app.screen, UserFormModal))
    for name, value in values.items():
        pilot.app.screen.query_one(f"#form-{name}", Input).value = value
    await pilot.click("#form-ok")


async def test_dashboard_adds_a_user_who_logs_in_over_imap(setup: ServeSetup) -> None:
    """Add on the Users tab; the running server lets the new user in over IMAP."""
    server = Server(setup)
    try:
        server.wait_ready()
        config = load_config(setup.config)
        app = PmemailApp(config, setup.config, mode="dashboard")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("6")
            await pilot.click("#dash-user-add")
            address = f"claire@{config.mail.domain}"
            await _fill(pilot, {"address": address, "name": "Claire", "password": PASSWORD})
            screen = await _done(pilot)
            assert f"added {address}" in str(screen.query_one("#dash-message").render())
            table = screen.query_one(UsersTab).query_one("#dash-users")
            assert address in str(table.get_row(address)[0])  # type: ignore[attr-defined]
            _imap_login(setup, address, PASSWORD)

            await pilot.click("#dash-user-password")  # the cursor is on claire's row
            await _fill(pilot, {"password": "court"})
            screen = await _done(pilot)
            assert "at least 8" in str(screen.query_one("#dash-message").render())
            await pilot.click("#dash-user-password")
            await _fill(pilot, {"password": PASSWORD + " encore"})
            await _done(pilot)
            _imap_login(setup, address, PASSWORD + " encore")

            await pilot.click("#dash-user-protocol")
            await _done(pilot)
            await pilot.click("#dash-user-alias")
            await _fill(pilot, {"alias": f"compta@{config.mail.domain}"})
            await _done(pilot)
            store = UserStore.from_config(config, DataPaths.from_config(config, setup.config))
            user = store.get(address)
            assert user is not None and user.protocol == "pop3"
            assert store.resolve(f"compta@{config.mail.domain}") == [address]

            await pilot.click("#dash-user-remove")
            await pilot.pause()
            await pilot.click("#confirm-yes")
            await _done(pilot)
            assert store.get(address) is None
    finally:
        server.kill()


def test_start_probes_leave_no_connection_lost_lines(setup: ServeSetup) -> None:
    """The readiness probes after a start greet and leave: no "Connection lost" in the log."""
    config = load_config(setup.config)
    paths = DataPaths.from_config(config, setup.config)
    answered: dict[str, bool] = {}
    start_server(config, setup.config, paths, lambda name, ok, _: answered.update({name: ok}))
    try:
        assert answered and all(answered.values()), answered
    finally:
        stop_server(config, paths)
    log = paths.log_file.read_text("utf-8", errors="replace")
    assert "smtp listening" in log  # the log is the one the server writes
    assert "Connection lost" not in log, log


async def test_restart_one_service_keeps_the_others(setup: ServeSetup) -> None:
    """R on the IMAP row restarts IMAP only: same server process, IMAP answers again."""
    server = Server(setup)
    try:
        server.wait_ready()
        config = load_config(setup.config)
        store = UserStore.from_config(config, DataPaths.from_config(config, setup.config))
        address = f"luc@{config.mail.domain}"
        store.add_user(address, PASSWORD)
        app = PmemailApp(config, setup.config, mode="dashboard")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = pilot.app.screen
            assert isinstance(screen, DashboardScreen)
            table = screen.query_one(ServicesTable)
            await _until(pilot, "the service rows", lambda: table.row_count > 3)
            table.move_cursor(row=table.get_row_index("imap"))
            await pilot.press("R")
            await pilot.pause(0.1)
            board = await _done(pilot)
            message = str(board.query_one("#dash-message").render())
            assert "imap restarted" in message, message
            assert server.proc.poll() is None  # the same process still serves
            _imap_login(setup, address, PASSWORD)
    finally:
        server.kill()
