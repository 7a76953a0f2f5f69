"""Pilot tests of the setup wizard: navigation, saved state, language, each form step.

The app runs headless (``App.run_test``) on a real config and data dir; the
steps' workers call the real core (netifaces, the user store, ...).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import tomllib
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, RadioButton, Static

from mailcore.users import UserStore
from pmemail.app.forwarding_status import off_lan_target
from pmemail.app.wizard_state import STEPS
from pmemail.config import DataPaths, load_config
from pmemail_tui.i18n import catalogue
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import RelayAnswer
from pmemail_tui.widgets.check_list import CheckList
from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides, make_app, saved_state, settle, start_at

ROOT = Path(__file__).resolve().parent.parent


def text_of(app: object, selector: str) -> str:
    """The plain text a Static shows."""
    widget = app.screen.query_one(selector, Static)  # type: ignore[attr-defined]
    return str(widget.render())


def step_of(app: object) -> str:
    return str(app.screen.STEP)  # type: ignore[attr-defined]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, app_overrides(), loopback=False).path


def test_catalogues_have_the_same_keys_and_cover_the_code() -> None:
    en, fr = catalogue("en"), catalogue("fr")
    assert set(en) == set(fr), set(en) ^ set(fr)
    used: set[str] = set()
    for path in (ROOT / "pmemail_tui").rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_.]+)"', path.read_text()))
    assert used, "no t() call found"
    missing = sorted(used - set(en))
    assert not missing, f"t() keys missing from en.toml: {missing}"
    for step in STEPS:  # keys built at run time
        assert f"step.{step}.title" in en


async def test_next_and_back_with_keys_and_buttons(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert step_of(app) == "welcome"
        assert app.screen.query_one("#back", Button).disabled
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "network"
        assert saved_state(config_path).step == "network"
        await pilot.press("pageup")
        await settle(app, pilot)
        assert step_of(app) == "welcome"
        assert saved_state(config_path).step == "welcome"
        await pilot.click("#next")
        await settle(app, pilot)
        assert step_of(app) == "network"
        await pilot.click("#back")
        await settle(app, pilot)
        assert step_of(app) == "welcome"


async def test_state_saved_after_each_step_and_resumed(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for expected in ("network", "checks", "domain"):
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert step_of(app) == expected
            assert saved_state(config_path).step == expected
        app.screen.query_one("#domain", Input).value = "bureau.be"
        app.screen.query_one("#hostname", Input).value = "mail.bureau.be"
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "ports"
    state = saved_state(config_path)
    assert state.completed == ["welcome", "network", "checks", "domain"]
    assert state.answers["domain"] == {"domain": "bureau.be", "hostname": "mail.bureau.be"}
    assert "lan" in state.answers["network"]
    again = make_app(config_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        assert step_of(again) == "ports"
        await pilot.press("pageup")
        await settle(again, pilot)
        assert again.screen.query_one("#domain", Input).value == "bureau.be"


async def test_french_changes_this_and_following_screens(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        assert "Welcome" in text_of(app, "#step-title")
        await pilot.click("#lang-fr")
        await pilot.pause()
        assert "Bienvenue" in text_of(app, "#step-title")
        assert app.screen.query_one("#lang-fr", RadioButton).value
        assert saved_state(config_path).language == "fr"
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert text_of(app, "#step-title") == "Étape 2 sur 10 · Réseau"
        assert str(app.screen.query_one("#next", Button).label) == "Suivant ▶"
    assert saved_state(config_path).answers["welcome"] == {"language": "fr"}
    again = make_app(config_path)  # the choice survives a restart
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        assert "Réseau" in text_of(again, "#step-title")


async def test_keyboard_only_language_choice(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is not None and app.focused.id == "language"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "Bienvenue" in text_of(app, "#step-title")


async def test_network_step_shows_lan_and_a_clean_no_router_row(config_path: Path) -> None:
    """In the root namespace the guard refuses SSDP/NAT-PMP: the row says "no router"."""
    start_at(config_path, "network")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        rows = app.screen.query_one(CheckList).states()
        assert rows["lan"].status == "ok"
        assert "lo: 127.0.0.1/255.0.0.0" in rows["lan"].finding
        assert rows["router"].status == "warn"
        assert "no router answered" in rows["router"].finding
        app.screen.query_one(CheckList).focus()
        await pilot.press("enter")  # details of the highlighted row
        await pilot.pause()
        assert "IPv4: 127.0.0.1" in str(app.screen.query_one("#details-body", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert step_of(app) == "network"
    assert saved_state(config_path).answers["network"]["lan"]["address"] == "127.0.0.1"


async def test_domain_step_validates_and_updates_records(config_path: Path) -> None:
    start_at(config_path, "domain")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        domain = app.screen.query_one("#domain", Input)
        host = app.screen.query_one("#hostname", Input)
        domain.value = "atelier-dupont.be"
        host.value = "mx.atelier-dupont.be"
        await pilot.pause()
        records = text_of(app, "#records")
        assert "atelier-dupont.be. IN MX 10 mx.atelier-dupont.be." in records
        domain.value = "not a domain"
        await pilot.press("pagedown")
        await pilot.pause()
        assert step_of(app) == "domain"
        assert "“not a domain” is not a valid domain name" in text_of(app, "#step-error")
        domain.value = "atelier-dupont.be"
        host.value = "mail.elsewhere.be"
        await pilot.press("pagedown")
        await pilot.pause()
        assert "should be inside atelier-dupont.be" in text_of(app, "#step-error")
        host.value = "mail.atelier-dupont.be"
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "ports"
    saved = load_config(config_path)
    assert (saved.mail.domain, saved.mail.hostname) == (
        "atelier-dupont.be",
        "mail.atelier-dupont.be",
    )


async def test_ports_step_validates_the_20800_target_and_saves_it(config_path: Path) -> None:
    start_at(config_path, "ports")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.screen.query_one("#plan", DataTable)
        assert table.row_count == 7  # six services and the remote desktop
        assert "Why not a DMZ?" in text_of(app, "#why-not-dmz")
        rdp = app.screen.query_one("#rdp-host", Input)
        for bad, message in (
            ("pc-compta", "is not an IP address"),
            ("8.8.8.8", "is not an office (private) address"),
        ):
            rdp.value = bad
            await pilot.press("pagedown")
            await pilot.pause()
            assert step_of(app) == "ports"
            assert message in text_of(app, "#step-error")
        config = load_config(config_path)
        good, outside = "192.168.1.42", "10.254.253.42"
        off = off_lan_target(config, good)
        if off is not None:  # the LAN is known and elsewhere: take a PC on it
            good = str(ipaddress.IPv4Network(off[0]).network_address + 42)
        if off_lan_target(config, outside) is not None:  # a PC outside the LAN is refused
            rdp.value = outside
            await pilot.press("pagedown")
            await pilot.pause()
            assert step_of(app) == "ports"
            assert "is not on this office's LAN" in text_of(app, "#step-error")
        rdp.value = good
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "forward", text_of(app, "#step-error")
    assert load_config(config_path).ports.remote_desktop.internal_host == good
    raw = tomllib.loads(config_path.read_text())
    assert raw["ports"]["remote_desktop"]["internal_host"] == good


async def test_users_step_adds_real_users_and_refuses_bad_ones(config_path: Path) -> None:
    start_at(config_path, "users")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("pagedown")  # nobody yet: refused
        await pilot.pause()
        assert "Add at least one user" in text_of(app, "#step-error")
        form = app.screen
        form.query_one("#user-name", Input).value = "Marie Dupont"
        form.query_one("#user-address", Input).value = "marie@example.be"
        form.query_one("#user-password", Input).value = "short"
        await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
        await pilot.click("#user-add")
        await settle(app, pilot)
        assert "at least 8 characters" in text_of(app, "#step-error")
        form.query_one("#user-address", Input).value = "marie@elsewhere.be"
        form.query_one("#user-password", Input).value = "correct horse"
        await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
        await pilot.click("#user-add")
        await settle(app, pilot)
        assert "domain is not local" in text_of(app, "#step-error")
        form.query_one("#user-address", Input).value = "marie@example.be"
        form.query_one("#user-password", Input).value = "correct horse"
        await pilot.click("#proto-pop3")
        await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
        await pilot.click("#user-add")
        await settle(app, pilot)
        assert text_of(app, "#step-error") == ""
        table = form.query_one("#user-table", DataTable)
        assert table.row_count == 1
        assert form.query_one("#user-password", Input).value == ""
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "launch"
    config = load_config(config_path)
    store = UserStore.from_config(config, DataPaths.from_config(config, config_path))
    user = store.authenticate("marie@example.be", "correct horse")
    assert user is not None and user.protocol == "pop3" and user.display_name == "Marie Dupont"
    assert saved_state(config_path).answers["users"] == {"users": ["marie@example.be"]}


async def test_summary_shows_each_users_settings_and_exports_them(config_path: Path) -> None:
    config = load_config(config_path)
    store = UserStore.from_config(config, DataPaths.from_config(config, config_path))
    store.add_user("marie@example.be", "correct horse", "imap")
    store.add_user("jean@example.be", "battery staple", "pop3")
    start_at(config_path, "summary", answers={"forward": {"all_mapped": False}})
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        settings = text_of(app, "#settings")
        assert "Incoming (IMAP): mail.example.be port 143, STARTTLS" in settings
        assert "Incoming (POP3): mail.example.be port 110, STARTTLS (STLS)" in settings
        assert "Outgoing (SMTP): mail.example.be port 1234, STARTTLS" in settings
        assert "Webmail: https://mail.example.be/" in settings
        assert "some ports are not forwarded" in text_of(app, "#todo")
        assert str(app.screen.query_one("#next", Button).label) == "Finish ✔"
        await pilot.click("#export")
        await pilot.pause()
        exported = (config_path.parent / "client-settings.txt").read_text()
        assert "jean@example.be" in exported and "marie@example.be" in exported
    assert exported.strip() == settings.strip()


async def test_worker_reports_reach_a_shown_step_and_spare_a_left_one(config_path: Path) -> None:
    """Workers report by message from their thread: shown on the step, dropped once it is left."""
    start_at(config_path, "outbound")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        step = app.screen
        assert isinstance(step, WizardStep)
        assert await asyncio.to_thread(step.post_message, RelayAnswer("✔ from a thread"))
        await pilot.pause()
        assert text_of(app, "#relay-test-result") == "✔ from a thread"
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "users"
        # a late result for the step that was left: refused, nothing breaks
        assert not await asyncio.to_thread(step.post_message, RelayAnswer("too late"))
        step.keep_answers({"late": True})  # answers are the app's: kept all the same
        await settle(app, pilot)
        assert app.is_running and step_of(app) == "users"
    assert saved_state(config_path).answers["outbound"]["late"] is True
