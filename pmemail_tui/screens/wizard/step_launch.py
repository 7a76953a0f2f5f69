"""Step 9: start ``pmemail serve`` (or install the systemd unit) and wait for every service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from pmemail import systemd_unit
from pmemail.app.server_launch import service_ports, start_detached, wait_ready
from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.widgets.check_list import CheckList


class LaunchStep(WizardStep):
    """Starts the server in the background and ticks each service as it answers."""

    STEP = "launch"

    def compose_body(self) -> Iterable[Widget]:
        """Intro, buttons, one row per service, a result line."""
        yield Static(t("launch.intro"))
        with Horizontal(classes="buttons"):
            yield Button(t("launch.start"), id="launch-start", variant="success", compact=True)
            yield Button(t("launch.install"), id="launch-install", compact=True)
        yield CheckList(id="launch-rows")
        yield Static("", id="launch-result", markup=False)

    @on(Button.Pressed, "#launch-start")
    def start(self) -> None:
        """One row per service, then start in a worker."""
        rows = self.query_one(CheckList)
        for name in service_ports(self.pm.config):
            rows.add_task(name, t(f"service.{name}"))
        self.query_one("#launch-start", Button).disabled = True
        # the app owns the start: an admin who leaves at once still gets the
        # server started and its outcome saved
        self.run_in_app(
            self.run_server, rows, self.query_one("#launch-result", Static), group="launch"
        )

    def run_server(self, rows: CheckList, outcome: Static) -> None:
        """Start the process and wait for the ports (a worker thread)."""

        def on_service(name: str, ok: bool, where: str) -> None:
            text = t("launch.running", port=where) if ok else t("launch.not_running")
            self.call_ui(rows.set_result, name, "ok" if ok else "fail", text)

        process = start_detached(self.pm.config_path, self.pm.paths)
        result = wait_ready(
            process,
            self.pm.config,
            self.pm.paths,
            timeout=self.pm.config.dashboard.start_timeout,
            on_service=on_service,
        )
        text = (
            t("launch.started", pid=result.pid)
            if result.ready
            else t("launch.failed", reason=result.reason)
        )
        self.keep_answers({"running": result.ready})
        self.call_ui(outcome.update, text)
        self.call_ui(self._enable_start)

    def _enable_start(self) -> None:
        self.query_one("#launch-start", Button).disabled = False

    @on(Button.Pressed, "#launch-install")
    def install_unit(self) -> None:
        """Write the systemd unit (never enabled automatically)."""
        target = systemd_unit.unit_path(False)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                systemd_unit.render_unit(self.pm.config_path, False), encoding="utf-8"
            )
        except OSError as err:
            self.show_error(f"{target}: {err.strerror}")
            return
        self.query_one("#launch-result", Static).update(t("launch.unit_written", path=target))

    def collect(self) -> dict[str, Any] | None:
        """Going on is allowed even when not started (the dashboard can start it)."""
        return {"running": bool(self.answers.get("running"))}
