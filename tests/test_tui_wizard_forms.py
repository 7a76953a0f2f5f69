"""Pilot tests of the domain, outbound and users forms (issue 17, items 5-7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from mailcore.users import UserStore
from pmemail.config import DataPaths, load_config
from tests.config_factory import write_config
from tests.queue_support import Sink, smarthost
from tests.tui_wizard_support import app_overrides, make_app, saved_state, settle, start_at


def text_of(app: object, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)  # type: ignore[attr-defined]
    return str(widget.render())


def step_of(app: object) -> str:
    return str(app.screen.STEP)  # type: ignore[attr-defined]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, app_overrides(), loopback=False).path


async def test_domain_example_refused_name_follows_error_cleared(config_path: Path) -> None:
    """example.be refused by Next; typing a domain moves mail.<domain>; a fix clears the error."""
    start_at(config_path, "domain")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("pagedown")
        await pilot.pause()
        assert step_of(app) == "domain"
        assert "“example.be” is only an example" in text_of(app, "#step-error")
        domain = app.screen.query_one("#domain", Input)
        domain.value = "bureau-dupont.be"
        await pilot.pause()
        assert app.screen.query_one("#hostname", Input).value == "mail.bureau-dupont.be"
        assert text_of(app, "#step-error") == ""
        assert "bureau-dupont.be. IN MX 10 mail.bureau-dupont.be." in text_of(app, "#records")
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "ports"


async def test_domain_keeps_a_server_name_the_admin_chose(config_path: Path) -> None:
    start_at(config_path, "domain", language="fr")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#hostname", Input).value = "mx.bureau.be"
        await pilot.pause()
        app.screen.query_one("#domain", Input).value = "bureau.be"
        await pilot.pause()
        assert app.screen.query_one("#hostname", Input).value == "mx.bureau.be"
        app.screen.query_one("#domain", Input).value = "example.com"
        await pilot.press("pagedown")
        await pilot.pause()
        assert "« example.com » n'est qu'un exemple" in text_of(app, "#step-error")


async def test_users_bare_name_policy_and_non_ascii(config_path: Path) -> None:
    """A bare name is marie@<domain>; common passwords and accents get clear sentences."""
    start_at(config_path, "users")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        placeholder = form.query_one("#user-address", Input).placeholder
        assert placeholder == "a name, or name@example.be"
        for address, password, error in (
            ("andré", "correct horse", "for example “andre@example.be”"),
            ("marie", "azerty123", "one of the most common ones"),
            ("marie", "Marie@example.be", "must not be the address"),
        ):
            form.query_one("#user-address", Input).value = address
            form.query_one("#user-password", Input).value = password
            await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
            await pilot.click("#user-add")
            await settle(app, pilot)
            assert error in text_of(app, "#step-error")
        form.query_one("#user-address", Input).value = "marie"
        form.query_one("#user-password", Input).value = "correct horse"
        await pilot.pause(0.3)
        await pilot.click("#user-add")
        await settle(app, pilot)
        assert text_of(app, "#step-error") == ""
    config = load_config(config_path)
    store = UserStore.from_config(config, DataPaths.from_config(config, config_path))
    assert store.authenticate("marie@example.be", "correct horse") is not None


@pytest.mark.timeout(60)
async def test_outbound_failed_test_in_words_and_next_confirms(config_path: Path) -> None:
    """A relay without STARTTLS: a sentence with what to choose; Next asks once, then goes."""
    sink = Sink()
    async with smarthost(sink) as port:
        start_at(config_path, "outbound")
        app = make_app(config_path)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = app.screen
            screen.query_one("#relay-host", Input).value = "127.0.0.1"
            screen.query_one("#relay-port", Input).value = str(port)
            await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
            await pilot.click("#relay-test")
            await settle(app, pilot)
            said = text_of(app, "#relay-test-result")
            assert said.startswith(f"✘ 127.0.0.1:{port} does not offer STARTTLS."), said
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert step_of(app) == "outbound"
            assert "The last relay test failed" in text_of(app, "#step-error")
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert step_of(app) == "users"


async def test_network_step_asks_isp_router_and_fixed_address(config_path: Path) -> None:
    """The answers land in the config; the outbound step offers the ISP's relay."""
    start_at(config_path, "network")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert "How to find out" in text_of(app, "#fixed-help")
        app.screen.query_one("#isp-profile", Select).value = "proximus"
        app.screen.query_one("#fixed-ip", Select).value = "no"
        await pilot.pause()
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "checks"
    isp = load_config(config_path).isp
    assert (isp.profile, isp.router_profile, isp.fixed_ip) == ("proximus", "", "no")
    start_at(config_path, "outbound", answers=saved_state(config_path).answers)
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)):
        screen = app.screen
        assert screen.query_one("#relay-host", Input).value == "relay.proximus.be"
        assert screen.query_one("#relay-port", Input).value == "25"
        assert screen.query_one("#relay-tls", Select).value == "none"


async def test_outbound_password_in_clear_needs_a_second_next(config_path: Path) -> None:
    """Security "none" with a password: Next says it would go in clear, then goes on."""
    start_at(config_path, "outbound")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        screen.query_one("#relay-host", Input).value = "relay.proximus.be"
        screen.query_one("#relay-port", Input).value = "25"
        screen.query_one("#relay-tls", Select).value = "none"
        screen.query_one("#relay-user", Input).value = "office"
        screen.query_one("#relay-password", Input).value = "s3cret-pw"
        await pilot.pause()
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "outbound"
        said = text_of(app, "#step-error")
        assert "in clear text" in said and "Press Next again" in said
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "users"
    assert load_config(config_path).relay.tls == "none"


async def test_network_step_asks_dynamic_dns_for_a_dynamic_address(config_path: Path) -> None:
    """The dynamic DNS account shows only for a dynamic address; it lands in [dyndns]."""
    start_at(config_path, "network")
    app = make_app(config_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        fields = app.screen.query_one("#dyndns-fields")
        assert not fields.display
        app.screen.query_one("#fixed-ip", Select).value = "no"
        await pilot.pause()
        assert fields.display
        app.screen.query_one("#dyndns-provider", Select).value = "noip"
        app.screen.query_one("#dyndns-user", Input).value = "office"
        app.screen.query_one("#dyndns-password", Input).value = "dd-s3cret"
        await pilot.pause()
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert step_of(app) == "checks"
    dyndns = load_config(config_path).dyndns
    assert (dyndns.provider, dyndns.username, dyndns.password) == ("noip", "office", "dd-s3cret")
    assert dyndns.hostname == ""  # empty: mail.hostname is updated
