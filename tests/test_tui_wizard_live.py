"""Pilot tests of the wizard steps that talk to real services on loopback.

Checks against the lab's echoip handler and a greeting TCP listener, the
forward step with no router to reach, the relay test against a real aiosmtpd
smarthost (STARTTLS + AUTH), and the launch step starting a real
``pmemail serve`` on free loopback ports.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import time
from pathlib import Path

import pytest
import trustme
from textual.widgets import Input, Static

from pmemail.config import DataPaths, load_config
from pmemail.serve.control import ControlError, query_control_sync
from pmemail.serve.pidfile import read_pid
from pmemail_tui.widgets.check_list import CheckList
from tests.config_factory import Overrides, write_config
from tests.queue_support import Sink, smarthost
from tests.tui_wizard_support import (
    app_overrides,
    loopback_services,
    make_app,
    saved_state,
    settle,
    start_at,
)


def text_of(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_checks_step_runs_every_check_against_loopback(tmp_path: Path) -> None:
    with loopback_services() as services:
        config_path = write_config(tmp_path, app_overrides(services), loopback=False).path
        start_at(config_path, "checks")
        app = make_app(config_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            rows = app.screen.query_one(CheckList).states()
            verdict = text_of(app, "#verdict")
    expected = {
        "lan",
        "router",
        "public_ip",
        "nat",
        "ip_kind",
        "outbound_25",
        "dns",
        "subscription",
        *(
            f"inbound.{n}"
            for n in ("smtp", "submission", "imap", "pop3", "webmail", "https", "remote_desktop")
        ),
    }
    assert set(rows) == expected
    assert all(r.status != "running" for r in rows.values()), rows
    assert rows["public_ip"].status == "ok" and "127.0.0.1" in rows["public_ip"].finding
    assert rows["outbound_25"].status == "ok", rows["outbound_25"]
    assert rows["lan"].status == "ok"
    assert verdict.startswith("Verdict: ") and "running" not in verdict
    answers = saved_state(config_path).answers["checks"]
    assert answers["public_ip"] == "127.0.0.1" and answers["outbound_25"] == "ok"


async def test_leaving_the_checks_step_while_they_run_is_safe(tmp_path: Path) -> None:
    with loopback_services() as services:
        config_path = write_config(tmp_path, app_overrides(services), loopback=False).path
        start_at(config_path, "checks")
        app = make_app(config_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("pagedown")  # at once, before any result
            await settle(app, pilot)
            assert app.screen.STEP == "domain"  # type: ignore[attr-defined]
            # the run goes on in its thread; its results are kept without their screen
            for _ in range(100):
                if "public_ip" in saved_state(config_path).answers.get("checks", {}):
                    break
                await pilot.pause(0.1)
            assert app.screen.STEP == "domain"  # type: ignore[attr-defined]
    assert saved_state(config_path).answers["checks"]["public_ip"] == "127.0.0.1"


async def test_forward_step_without_router_shows_error_and_manual_table(tmp_path: Path) -> None:
    config_path = write_config(tmp_path, app_overrides(), loopback=False).path
    start_at(config_path, "forward")
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#forward-apply")
        await settle(app, pilot)
        error = text_of(app, "#forward-error")
        manual = text_of(app, "#forward-manual")
        assert error.startswith("✘ The router could not be reached: ")
        assert "add these rules by hand" in manual and "20800" in manual
        await pilot.click("#forward-check")
        await settle(app, pilot)
        assert text_of(app, "#forward-error").startswith("✘ The router could not be reached")
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert app.screen.STEP == "outbound"  # type: ignore[attr-defined]
    assert saved_state(config_path).answers["forward"] == {"all_mapped": False}


async def test_outbound_step_tests_a_real_smarthost_and_saves_it(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    trust: Overrides = {"relay": {"ca_file": str(ca_file)}, "queue": {"connect_timeout": 5.0}}
    config_path = write_config(tmp_path, app_overrides(), trust, loopback=False).path
    start_at(config_path, "outbound", answers={"checks": {"outbound_25": "fail"}})
    sink = Sink()
    async with smarthost(sink, tls=server_tls, auth=True) as port:
        app = make_app(config_path)
        async with app.run_test(size=(80, 24)) as pilot:
            assert "blocks outgoing port 25" in text_of(app, "#outbound-intro")
            screen = app.screen
            screen.query_one("#relay-host", Input).value = "127.0.0.1"
            screen.query_one("#relay-port", Input).value = "99999"
            await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
            await pilot.click("#relay-test")
            await pilot.pause()
            assert "is not a port number" in text_of(app, "#step-error")
            screen.query_one("#relay-port", Input).value = str(port)
            screen.query_one("#relay-user", Input).value = "office"
            screen.query_one("#relay-password", Input).value = "wrong"
            await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
            await pilot.click("#relay-test")
            await settle(app, pilot)
            refused = text_of(app, "#relay-test-result")
            assert refused.startswith(f"✘ 127.0.0.1:{port} refused the user name or the password")
            screen.query_one("#relay-password", Input).value = "s3cret"
            await pilot.pause(0.3)  # a button ignores clicks while its press effect shows
            await pilot.click("#relay-test")
            await settle(app, pilot)
            result = text_of(app, "#relay-test-result")
            assert result == f"✔ 127.0.0.1:{port} accepted the connection and the login."
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert app.screen.STEP == "users"  # type: ignore[attr-defined]
    assert sink.logins == ["office"]
    relay = load_config(config_path).relay
    assert (relay.mode, relay.host, relay.port, relay.username, relay.password, relay.tls) == (
        "smarthost",
        "127.0.0.1",
        port,
        "office",
        "s3cret",
        "starttls",
    )


def _serve_config(tmp_path: Path) -> Path:
    """Every service on a free loopback port, the queue run often."""
    fast_queue = {"queue": {"scan_interval": 0.5}}
    return write_config(tmp_path, app_overrides(), fast_queue).path.resolve()


def _stop_server(config_path: Path) -> None:
    config = load_config(config_path)
    paths = DataPaths.from_config(config, config_path)
    pid = read_pid(paths.pidfile)
    try:
        query_control_sync(paths.control_socket, {"cmd": "stop"}, timeout=5)
    except ControlError:
        pass
    deadline = time.monotonic() + 20
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    if pid:
        os.kill(pid, signal.SIGKILL)


@pytest.mark.timeout(120)
async def test_launch_step_starts_a_real_server_and_every_service_answers(tmp_path: Path) -> None:
    config_path = _serve_config(tmp_path)  # without the extra submission port 587
    start_at(config_path, "launch")
    app = make_app(config_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.click("#launch-start")
            await settle(app, pilot)
            rows = app.screen.query_one(CheckList).states()
            result = text_of(app, "#launch-result")
            hint = text_of(app, "#launch-service")
    finally:
        _stop_server(config_path)
    # then the certificate (ACME off in tests: the self-signed one, with its fingerprint)
    certificate = rows.pop("certificate")
    assert certificate.status == "warn", certificate
    assert certificate.finding == "No trusted certificate yet: the self-signed one is served."
    assert set(rows) == {"smtp", "submission", "imap", "pop3", "webmail", "https"}
    assert {r.status for r in rows.values()} == {"ok"}, rows
    assert result.startswith("pmemail serve is running (pid "), result
    assert "after a reboot of this computer mail stops" in hint
    kept = saved_state(config_path).answers["launch"]
    assert kept["running"] is True and kept["certificate"]["trusted"] is False
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", kept["certificate"]["fingerprint"])


@pytest.mark.timeout(120)
async def test_leaving_the_launch_step_at_once_still_starts_the_server(tmp_path: Path) -> None:
    """The start belongs to the app: going back right after Start loses nothing."""
    config_path = _serve_config(tmp_path)
    start_at(config_path, "launch")
    app = make_app(config_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            step = app.screen
            # Start and Back in one go: the worker has not even begun when the step goes
            step.start()  # type: ignore[attr-defined]
            step.action_back()  # type: ignore[attr-defined]
            await pilot.pause()
            assert app.screen.STEP == "users"  # type: ignore[attr-defined]
            for _ in range(600):
                if "running" in saved_state(config_path).answers.get("launch", {}):
                    break
                await pilot.pause(0.1)
            assert app.screen.STEP == "users"  # type: ignore[attr-defined]
            config = load_config(config_path)
            paths = DataPaths.from_config(config, config_path)
            answer = query_control_sync(paths.control_socket, {"cmd": "status"}, timeout=5)
    finally:
        _stop_server(config_path)
    assert saved_state(config_path).answers["launch"]["running"] is True
    assert answer.get("ok") is True
