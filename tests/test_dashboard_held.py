"""The Users tab's held messages: real Dovecot as the ISP, a real collector run holds one.

Deliver-to and delete on the dashboard record the decision through the same
use cases as ``pmemail collector assign|drop``; the next collector run
carries it out at the ISP. A French run shows no English sentence.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from mailcore.collector import Collector, build_collector
from mailcore.delivery import MaildirDelivery
from mailcore.users import UserStore
from pmemail.config import DataPaths, load_config
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import set_language
from pmemail_tui.screens.dashboard import DashboardScreen
from pmemail_tui.widgets.confirm_modal import ConfirmModal
from pmemail_tui.widgets.dashboard.held_section import HeldSection
from pmemail_tui.widgets.user_form import UserFormModal
from tests.collector_dovecot import IspMailbox, collecting, msg, subjects
from tests.dashboard_support import EchoStub, dashboard_setup, echo_stub, kill_detached
from tests.french_screen_support import english_lines
from tests.serve_support import ServeSetup

WAIT = 40.0


@pytest.fixture
def echo() -> Iterator[EchoStub]:
    with echo_stub() as stub:
        yield stub


@pytest.fixture
def setup(tmp_path: Path, echo: EchoStub, isp: IspMailbox) -> Iterator[ServeSetup]:
    s = dashboard_setup(tmp_path, echo.url, collecting(isp, multidrop=True, deliver_to=""))
    try:
        yield s
    finally:
        kill_detached(s)


@asynccontextmanager
async def held_one(setup: ServeSetup, isp: IspMailbox) -> AsyncIterator[Collector]:
    """bob and sales -> bob at the office; one message for nobody, held by a real run."""
    config = load_config(setup.config)
    paths = DataPaths.from_config(config, setup.config)
    users = UserStore.from_config(config, paths)
    users.add_user("bob@example.test", "pw")
    users.add_alias("sales@example.test", "bob@example.test")
    isp.put("a-held", msg("for nobody", "To: nobody@far.test\r\n"))
    delivery = MaildirDelivery(paths)
    try:
        collector = build_collector(config, paths, users, delivery)
        assert isinstance(collector, Collector)
        assert await collector.run_once() == 0
        assert len(collector.status()["held"]) == 1
        yield collector
    finally:
        await delivery.aclose()


async def _until(pilot: Pilot[None], what: str, cond: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _open_held(pilot: Pilot[None]) -> tuple[DashboardScreen, HeldSection]:
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    await pilot.press("6")
    await pilot.pause()
    section = screen.query_one(HeldSection)
    assert section.display and len(section.held) == 1
    return screen, section


def _message(screen: DashboardScreen) -> str:
    return str(screen.query_one("#dash-message").render())


async def test_assign_then_a_run_delivers(setup: ServeSetup, isp: IspMailbox) -> None:
    """Deliver to… sales: the next collector run delivers it to bob and deletes it at the ISP."""
    async with held_one(setup, isp) as collector:
        app = PmemailApp(load_config(setup.config), setup.config, mode="dashboard")
        async with app.run_test(size=(120, 36)) as pilot:
            screen, section = await _open_held(pilot)
            table = section.query_one("#dash-held", DataTable)
            assert [str(c) for c in table.get_row_at(0)][:2] == ["someone@far.test", "for nobody"]
            await pilot.click("#dash-held-assign")
            await _until(pilot, "the form", lambda: isinstance(app.screen, UserFormModal))
            app.screen.query_one("#form-recipient", Input).value = "sales@example.test"
            await pilot.click("#form-ok")
            await _until(pilot, "the assign", lambda: "sales@example.test" in _message(screen))
            assert "next collector run" in _message(screen)
        assert await collector.run_once() == 1
        paths = DataPaths.from_config(load_config(setup.config), setup.config)
        assert subjects(paths, "bob@example.test") == ["for nobody"]
        assert isp.remaining() == []


async def test_unknown_user_is_said_then_drop_after_confirm(
    setup: ServeSetup, isp: IspMailbox
) -> None:
    """A non-local recipient is refused in words; drop asks first, then a run deletes it."""
    async with held_one(setup, isp) as collector:
        app = PmemailApp(load_config(setup.config), setup.config, mode="dashboard")
        async with app.run_test(size=(120, 36)) as pilot:
            screen, _ = await _open_held(pilot)
            await pilot.click("#dash-held-assign")
            await _until(pilot, "the form", lambda: isinstance(app.screen, UserFormModal))
            app.screen.query_one("#form-recipient", Input).value = "nobody@example.test"
            await pilot.click("#form-ok")
            await _until(pilot, "the refusal", lambda: "nobody@example.test" in _message(screen))
            await pilot.click("#dash-held-drop")
            await _until(pilot, "the question", lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("escape")
            await _until(pilot, "no question", lambda: app.screen is screen)
            assert "deleted" not in _message(screen)
            await pilot.click("#dash-held-drop")
            await _until(pilot, "the question", lambda: isinstance(app.screen, ConfirmModal))
            await pilot.click("#confirm-yes")
            await _until(pilot, "the drop", lambda: "deleted at the ISP" in _message(screen))
        assert await collector.run_once() == 0
        assert isp.remaining() == []
        assert collector.status()["held"] == []


async def test_held_section_in_french(setup: ServeSetup, isp: IspMailbox) -> None:
    """The held section, its question and its result read French."""
    async with held_one(setup, isp):
        set_language("en")
        app = PmemailApp(
            load_config(setup.config), setup.config, mode="dashboard", language_flag="fr"
        )
        async with app.run_test(size=(120, 36)) as pilot:
            screen, _ = await _open_held(pilot)
            found = english_lines(screen, ("#dash-log",))
            await pilot.click("#dash-held-drop")
            await _until(pilot, "the question", lambda: isinstance(app.screen, ConfirmModal))
            found += english_lines(app.screen)
            await pilot.click("#confirm-yes")
            await _until(pilot, "the drop", lambda: app.screen is screen and screen.busy is None)
            await pilot.pause()
            assert "supprimé" in _message(screen)
            found += english_lines(screen, ("#dash-log",))
        assert not found, "\n".join(found)
