"""Pilot tests of what the wizard and the dashboard show of the certificate.

Pure rendering: the use cases (start the server, obtain or read the
certificate) are replaced by fixed answers; what they do for real is tested
in tests/test_cert_check.py and by the keeper's and the lab's tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from mailcore.acme import failures
from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, certificate_status
from mailcore.status import CertificateFailure, CertificateStatus
from mailcore.users import UserStore
from pmemail.app import cert_actions, cert_outcome
from pmemail.app.action_result import ActionError, ActionResult
from pmemail.config import DataPaths, load_config
from pmemail_tui.screens.dashboard import DashboardScreen
from pmemail_tui.widgets.check_list import CheckList
from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides, make_app, saved_state, settle, start_at

FINGERPRINT = ":".join(["5E"] * 32)
HOST = "mail.example.be"
QUIET = {"dashboard": {"local_refresh": 3600.0, "network_refresh": 7200.0}}
ACME_ON = {"acme": {"enabled": True}}
WAIT = 20.0


def a_status(
    source: Source, *, failure: CertificateFailure | None = None, issuer: str = "R11"
) -> CertificateStatus:
    self_signed = source == "self-signed"
    now = time.time()
    info = CertInfo(
        subject=HOST,
        issuer=HOST if self_signed else issuer,
        names=(HOST,),
        not_before=now - 86400,
        not_after=now + 80 * 86400,
        fingerprint_sha256=FINGERPRINT,
        self_signed=self_signed,
    )
    state = RenewalState(next_attempt=now + 50 * 86400, last_failure=failure)
    return certificate_status(info, source, state, acme_enabled=True, wanted_names=[HOST])


PORT80: CertificateFailure = {
    "code": failures.PORT80_UNREACHABLE,
    "params": {"name": HOST, "detail": "timeout during connect"},
}


def board(app: Any) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def wait_for(pilot: Any, what: str, cond: Any) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# ------------------------------------------------------------------ the wizard


@pytest.fixture
def launch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config resuming at the launch step whose server "starts" at once."""
    path = write_config(tmp_path, app_overrides(), ACME_ON, loopback=False).path
    start_at(path, "launch")
    step = "pmemail_tui.screens.wizard.step_launch"
    monkeypatch.setattr(f"{step}.start_server", lambda *a, **k: ActionResult("started"))
    monkeypatch.setattr(f"{step}.server_pid", lambda paths: 4242)
    return path


async def run_launch(path: Path) -> tuple[Any, dict[str, Any]]:
    app = make_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.click("#launch-start")
        await settle(app, pilot)
        row = app.screen.query_one(CheckList).states()["certificate"]
        shown = {
            "status": row.status,
            "title": row.title,
            "finding": row.finding,
            "details": row.details,
            "lines": text_of(app, "#launch-cert"),
            "result": text_of(app, "#launch-result"),
        }
    return app, shown


async def test_launch_obtains_a_trusted_certificate(
    launch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the start the server is asked for a certificate: trusted, issuer and names shown."""
    asked: list[float] = []

    def renew(config: Any, paths: Any, timeout: float) -> CertificateStatus:
        asked.append(timeout)
        return a_status("acme")

    monkeypatch.setattr(cert_actions, "request_renewal", renew)
    _, shown = await run_launch(launch)
    assert asked == [load_config(launch).acme.timeout + cert_outcome.CONTROL_MARGIN]
    assert shown["result"] == "pmemail serve is running (pid 4242)"
    assert shown["status"] == "ok" and shown["title"] == "Certificate"
    assert shown["finding"] == "A trusted certificate from R11 is in place."
    assert "Names: mail.example.be" in shown["lines"] and "Valid until" in shown["lines"]
    assert "fingerprint" not in shown["lines"]
    kept = saved_state(launch).answers["launch"]
    assert kept["running"] is True
    assert kept["certificate"] == {"trusted": True, "fingerprint": ""}


async def test_launch_falls_back_with_the_reason_and_the_fingerprint(
    launch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No trusted certificate: the reason in words, staff's warning and the fingerprint."""
    monkeypatch.setattr(
        cert_actions, "request_renewal", lambda *a: a_status("self-signed", failure=PORT80)
    )
    _, shown = await run_launch(launch)
    assert shown["status"] == "warn"
    assert shown["finding"] == "No trusted certificate yet: the self-signed one is served."
    lines = shown["lines"]
    assert f"Staff will see a warning; the fingerprint to check (SHA-256) is {FINGERPRINT}" in lines
    assert "Let's Encrypt could not reach port 80 of the office" in lines
    assert saved_state(launch).answers["launch"]["certificate"]["fingerprint"] == FINGERPRINT


async def test_launch_says_when_the_certificate_could_not_be_asked(
    launch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_running(*args: Any) -> CertificateStatus:
        raise ActionError("pmemail serve is not running")

    monkeypatch.setattr(cert_actions, "request_renewal", not_running)
    _, shown = await run_launch(launch)
    assert shown["status"] == "fail"
    assert shown["finding"] == "could not be asked: pmemail serve is not running"


async def test_summary_gives_staff_the_fingerprint_to_compare(tmp_path: Path) -> None:
    setup = write_config(tmp_path, app_overrides(), loopback=False)
    config = load_config(setup.path)
    store = UserStore.from_config(config, DataPaths.from_config(config, setup.path))
    store.add_user("marie@example.be", "correct horse", "imap")
    kept = {"launch": {"certificate": {"trusted": False, "fingerprint": FINGERPRINT}}}
    start_at(setup.path, "summary", answers=kept)
    app = make_app(setup.path)
    async with app.run_test(size=(120, 36)):
        settings = text_of(app, "#settings")
        assert "no trusted certificate yet: the Launch step says why" in text_of(app, "#todo")
    assert settings.endswith(
        f"  Certificate: self-signed; accept it only if its SHA-256 fingerprint is {FINGERPRINT}"
    )
    start_at(setup.path, "summary", language="fr", answers=kept)
    app = make_app(setup.path)
    async with app.run_test(size=(120, 36)):
        assert f"son empreinte SHA-256 est {FINGERPRINT}" in text_of(app, "#settings")


# ------------------------------------------------------------------ the dashboard


@pytest.fixture
def dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dashboard config; no network round trips (a fixed network snapshot)."""
    path = write_config(tmp_path, app_overrides(), QUIET, ACME_ON, loopback=False).path
    monkeypatch.setattr(
        "pmemail_tui.screens.dashboard.network_snapshot", lambda config, paths: None
    )
    monkeypatch.setattr(DashboardScreen, "on_network_update", lambda self, message: None)
    return path


async def test_dashboard_shows_the_certificate_and_renews_it(
    dashboard: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The panel: self-signed with fingerprint and reason; n renews; the trusted one shows."""
    served = [a_status("self-signed", failure=PORT80)]
    monkeypatch.setattr(cert_outcome, "read_certificate", lambda config, paths: served[-1])

    def renew(config: Any, paths: Any, timeout: float) -> CertificateStatus:
        served.append(a_status("acme", issuer="Pebble Intermediate"))
        return served[-1]

    monkeypatch.setattr(cert_actions, "request_renewal", renew)
    app = make_app(dashboard, mode="dashboard")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, "the panel", lambda: "Names:" in text_of(app, "#dash-cert"))
        panel = text_of(app, "#dash-cert")
        assert panel.startswith("Certificate\nSelf-signed certificate made by pmemail")
        assert FINGERPRINT in panel and "could not reach port 80" in panel
        assert "Next renewal attempt:" in panel
        await pilot.press("n")
        await wait_for(pilot, "the renewal", lambda: board(app).busy is None)
        await wait_for(pilot, "the new panel", lambda: "Pebble" in text_of(app, "#dash-cert"))
        message = text_of(app, "#dash-message")
        assert message == (
            "Renew certificate: A trusted certificate from Pebble Intermediate is in place."
        )
        panel = text_of(app, "#dash-cert")
        assert "Trusted certificate from Pebble Intermediate" in panel
        assert FINGERPRINT not in panel


async def test_dashboard_renew_without_a_server_says_so(
    dashboard: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cert_outcome, "read_certificate", lambda config, paths: None)

    def not_running(*args: Any) -> CertificateStatus:
        raise ActionError("pmemail serve is not running")

    monkeypatch.setattr(cert_actions, "request_renewal", not_running)
    app = make_app(dashboard, mode="dashboard")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, "the panel", lambda: "No certificate yet" in text_of(app, "#dash-cert")
        )
        await pilot.press("n")
        await wait_for(pilot, "the answer", lambda: board(app).busy is None)
        assert text_of(app, "#dash-message") == "Renew certificate: pmemail serve is not running"
        assert app.screen.query_one("#dash-message").has_class("error")


def test_the_running_servers_entry_is_read_from_its_status() -> None:
    status = a_status("acme", failure=PORT80)
    entry = {"name": "certificates", "state": "running", **status}
    others = [{"name": "smtp", "state": "running", "port": 25}]
    assert cert_outcome.served_status([*others, entry]) == status
    assert cert_outcome.served_status(others) is None
