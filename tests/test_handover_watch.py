"""After the hand-over: the doctor and the dashboard watch Postfix and Dovecot on pmemail's ports.

Issue 19: pmemail serve is stopped, the exported Postfix and Dovecot run on
the same loopback ports (the hand-over test's own instances and helpers),
``server.mail_engine = "postfix-dovecot"``. The doctor's rows and the
dashboard report each mail port as listening by Postfix or Dovecot and
reachable (a loopback echo stub); nothing says a service is stopped or failed.
The router's "mapped" needs the lab (UPnP is refused here): it reads unknown.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from netcore.checks.runner import run_checks
from pmemail.app.mail_engine import PortListener, engine_rows, judge_listener
from pmemail.app.status_snapshot import LocalProbe
from pmemail.config import load_config
from pmemail.config.model import PortPlan
from pmemail.config.paths import DataPaths
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import set_language
from pmemail_tui.screens.dashboard import DashboardScreen
from pmemail_tui.widgets.dashboard.panels import PortsTable, ServicesTable
from tests.dashboard_support import EchoStub, dashboard_setup, echo_stub
from tests.dovecot_support import give_to_mail_user
from tests.serve_support import Server, ServeSetup, pmemail
from tests.test_backup_restore import ALICE, LOOPBACK_LOGIN, _add_users, _send
from tests.test_export_postfix_dovecot import (  # the hand-over test's instances, not a twin
    _log,
    _wait,
    exported_pair,
    world,  # noqa: F401  (its fixture: a 0755 directory, skips without Postfix or Dovecot)
)
from tests.test_tui_dashboard import wait_for

MAIL = {"smtp": "Postfix", "submission": "Postfix", "imap": "Dovecot", "pop3": "Dovecot"}


@pytest.fixture
def echo() -> Iterator[EchoStub]:
    externals = {getattr(PortPlan(), name).external for name in MAIL}
    with echo_stub(reachable=externals) as stub:
        yield stub


@pytest.fixture
def handed_over(world: Path, echo: EchoStub) -> Iterator[ServeSetup]:  # noqa: F811
    """pmemail served, was exported and stopped; Postfix and Dovecot now run on its ports."""
    (world / "pm").mkdir()
    setup = dashboard_setup(world / "pm", echo.url)
    setup.overrides = {**setup.overrides, **LOOPBACK_LOGIN}
    setup.write()
    _add_users(setup)
    server = Server(setup)
    try:
        server.wait_ready()
        _send(setup, ALICE, "before the hand-over")
    finally:
        server.terminate()
    give_to_mail_user(setup.data)
    export = world / "export"
    done = pmemail(setup, "export", "postfix-dovecot", str(export), "--json")
    assert done.returncode == 0, done.stderr
    # step 5 of the export's README: the config records the hand-over
    _set(setup, "mail_engine", "postfix-dovecot")
    with exported_pair(world, export):
        _wait(lambda: _listening(setup), f"Postfix and Dovecot on every mail port {_log(world)}")
        yield setup


def _set(setup: ServeSetup, key: str, value: str) -> None:
    """Change one key of the saved config file in place (its other keys stay as they are)."""
    text = setup.config.read_text()
    changed, count = re.subn(rf"(?m)^{key} = .*$", f'{key} = "{value}"', text)
    assert count == 1, key
    setup.config.write_text(changed)


def _listening(setup: ServeSetup) -> bool:
    from netcore.local_ports import listening_ports

    return {setup.ports[name] for name in MAIL} <= listening_ports()


def test_the_doctor_reports_postfix_and_dovecot_listening(handed_over: ServeSetup) -> None:
    """One ok row per mail port naming its program; reachable; no listening row fails."""
    config = load_config(handed_over.config)
    paths = DataPaths.from_config(config, handed_over.config)
    rows = engine_rows(config, paths)
    assert sorted(r.id for r in rows) == sorted(f"listening.{n}" for n in MAIL)
    report = asyncio.run(run_checks(config, paths, extra=rows))
    checks = {c["id"]: c for c in report.to_dict()["checks"]}
    for name, program in MAIL.items():
        row = checks[f"listening.{name}"]
        assert row["status"] == "ok", row
        assert row["details"]["program"] == program
        assert row["finding"].startswith(f"{program} listens on port {handed_over.ports[name]}")
        assert checks[f"inbound.{name}"]["status"] == "ok"  # reachable from "outside"
    for cid, check in checks.items():
        if cid.startswith(("listening.", "inbound.", "certificate.")):
            assert check["status"] != "fail", check  # Postfix and Dovecot answer TLS too


def test_the_doctor_rows_in_french(handed_over: ServeSetup) -> None:
    """With ``language = "fr"`` the rows and their JSON document read French."""
    _set(handed_over, "language", "fr")
    config = load_config(handed_over.config)
    paths = DataPaths.from_config(config, handed_over.config)
    report = asyncio.run(run_checks(config, paths, extra=engine_rows(config, paths)))
    doc = json.loads(json.dumps(report.to_dict()))
    rows = {c["id"]: c for c in doc["checks"] if c["id"].startswith("listening.")}
    assert set(rows) == {f"listening.{n}" for n in MAIL}
    for name, program in MAIL.items():
        assert rows[f"listening.{name}"]["status"] == "ok"
        assert f"{program} écoute sur le port" in rows[f"listening.{name}"]["finding"]


def test_the_status_snapshot_names_the_program_on_each_port(handed_over: ServeSetup) -> None:
    config = load_config(handed_over.config)
    snap = LocalProbe(config, DataPaths.from_config(config, handed_over.config)).snapshot()
    assert not snap.running and snap.engine == "postfix-dovecot"
    ports = {p.name: p for p in snap.ports}
    for name, program in MAIL.items():
        assert ports[name].listening and ports[name].program == program


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_dashboard_says_who_serves_the_mail(
    handed_over: ServeSetup, language: str
) -> None:
    set_language("en")
    config = load_config(handed_over.config)
    app = PmemailApp(config, handed_over.config, mode="dashboard", language_flag=language)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_for(pilot, "the local snapshot", lambda: screen.local is not None)
        await wait_for(pilot, "the network snapshot", lambda: screen.network is not None)
        bar = str(screen.query_one("#dash-server", Static).render())
        services = screen.query_one(ServicesTable)
        await pilot.press("2")
        ports = screen.query_one(PortsTable)
        await wait_for(pilot, "port rows", lambda: ports.row_count >= len(MAIL))
        here = {name: [str(c) for c in ports.get_row(name)] for name in MAIL}
        served = {name: str(services.get_row(name)[1]) for name in MAIL}
    if language == "en":
        # served, but the network side waits for pmemail serve: said, not "failed"
        assert bar.startswith("○ Mail served by Postfix and Dovecot"), bar
        assert "router leases, dynamic DNS, backups" in bar
        assert "not running" not in bar and "press s" not in bar
        for name, program in MAIL.items():
            assert served[name] == f"served by {program}"
            assert here[name][2] == f"listening ({program})" and here[name][4] == "reachable"
    else:
        assert bar.startswith("○ Courrier servi par Postfix et Dovecot"), bar
        assert "baux du routeur" in bar
        for name, program in MAIL.items():
            assert served[name] == f"servi par {program}"
            assert here[name][2] == f"écoute ({program})"


async def test_serve_runs_the_network_side_beside_postfix_and_dovecot(
    handed_over: ServeSetup,
) -> None:
    """``pmemail serve`` with the hand-over recorded starts beside Postfix and Dovecot
    (no port in common), the doctor still sees them on the mail ports, and the dashboard
    shows both: the mail ports served by them, pmemail's network side running."""
    set_language("en")
    server = Server(handed_over)
    try:
        server.wait_ready()
        config = load_config(handed_over.config)
        paths = DataPaths.from_config(config, handed_over.config)
        snap = LocalProbe(config, paths).snapshot()
        assert snap.running and snap.engine == "postfix-dovecot"
        ports = {p.name: p for p in snap.ports}
        for name, program in MAIL.items():
            assert ports[name].listening and ports[name].program == program
        checks = await run_checks(config, paths, extra=engine_rows(config, paths))
        for name in MAIL:
            row = next(c for c in checks.to_dict()["checks"] if c["id"] == f"listening.{name}")
            assert row["status"] == "ok", row
        app = PmemailApp(config, handed_over.config, mode="dashboard", language_flag="en")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = pilot.app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_for(pilot, "the local snapshot", lambda: screen.local is not None)
            services = screen.query_one(ServicesTable)
            await wait_for(pilot, "service rows", lambda: services.row_count > len(MAIL))
            bar = str(screen.query_one("#dash-server", Static).render())
            served = {name: str(services.get_row(name)[1]) for name in MAIL}
            http = str(services.get_row("http")[1])
        assert bar.startswith("● "), bar
        for name, program in MAIL.items():
            assert served[name] == f"served by {program}"
        assert "failed" not in http
    finally:
        code, err = server.terminate()
    assert code == 0, err


@pytest.mark.parametrize(
    "found,status,words",
    [
        (PortListener("smtp", 25, "Postfix", False, ""), "fail", "nothing listens on port 25"),
        (PortListener("imap", 143, "Dovecot", True, "pmemail"), "warn", "still listens"),
        (PortListener("pop3", 110, "Dovecot", True, ""), "ok", "a program this account"),
    ],
)
def test_judging_a_port_nobody_or_pmemail_holds(
    found: PortListener, status: str, words: str
) -> None:
    """Nothing listening is a dead mail port; pmemail still there contradicts the hand-over."""
    result = judge_listener(found, "en")
    assert result.status == status and words in result.finding
    assert (result.advice != "") == (status != "ok")
    french = judge_listener(found, "fr")
    assert french.status == status and french.finding != result.finding
