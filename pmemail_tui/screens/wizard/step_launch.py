"""Step 9: start ``pmemail serve``, wait for every service, obtain the certificate, and
hand the server over to systemd so that it survives a reboot (or say what to do without it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from pmemail.app import service_enable
from pmemail.app.action_result import ActionError
from pmemail.app.cert_outcome import obtain_certificate, outcome, wants_acme
from pmemail.app.server_process import (
    ServerAlreadyRunning,
    report_ports,
    server_pid,
    service_ports,
    start_server,
)
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import (
    CertificateAsked,
    CertificateDone,
    LaunchDone,
    RowResult,
    ServiceDone,
)
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
        yield Static("", id="launch-service", markup=False)
        yield Static("", id="launch-cert", markup=False)

    @on(Button.Pressed, "#launch-start")
    def start(self) -> None:
        """One row per service, then start in a worker."""
        rows = self.query_one(CheckList)
        for name in service_ports(self.pm.config):
            rows.add_task(name, t(f"service.{name}"))
        self.query_one("#launch-start", Button).disabled = True
        # the app owns the start: an admin who leaves at once still gets the
        # server started and its outcome saved
        pm = self.pm
        language = current_language()
        self.run_in_app(
            self.run_server, pm.config, pm.config_path, pm.paths, language, group="launch"
        )

    def run_server(
        self, config: Config, config_path: Path, paths: DataPaths, language: str
    ) -> None:
        """Start the process and wait for the ports, then the certificate (a worker thread)."""

        def on_service(name: str, ok: bool, where: str) -> None:
            text = t("launch.running", port=where) if ok else t("launch.not_running")
            self.post_message(RowResult(name, "ok" if ok else "fail", text))

        try:
            start_server(config, config_path, paths, on_service=on_service)
        except ServerAlreadyRunning as err:
            running, text = True, t("launch.already_running", pid=err.pid)
        except ActionError as err:
            running, text = False, t("launch.failed", reason=err.words(language))
        else:
            running, text = True, t("launch.started", pid=server_pid(paths) or "?")
        self.keep_answers({"running": running})
        self.post_message(LaunchDone(text))
        if running:
            self.get_certificate(config, paths, language)
            self.recheck(config, paths)  # the verdict taken before the launch is stale now

    def get_certificate(self, config: Config, paths: DataPaths, language: str) -> None:
        """Have the running server obtain its certificate; keep what staff must check."""
        key = "launch.cert.asking" if wants_acme(config) else "launch.cert.reading"
        self.post_message(CertificateAsked(t(key)))
        try:
            status = obtain_certificate(config, paths)
        except Exception as err:  # not running, refused, or a bug: a message, never a dead spinner
            self.post_message(CertificateDone(None, str(err) or type(err).__name__))
            return
        trusted = bool(status.get("trusted"))
        fingerprint = "" if trusted else status.get("fingerprint_sha256", "")
        # the summary's client settings give staff the fingerprint to compare
        self.keep_answers({"certificate": {"trusted": trusted, "fingerprint": fingerprint}})
        self.post_message(CertificateDone(outcome(status, language)))

    def on_launch_done(self, message: LaunchDone) -> None:
        """The outcome line; Start may be pressed again; the reboot is not covered yet."""
        self.query_one("#launch-result", Static).update(message.text)
        self.query_one("#launch-start", Button).disabled = False
        if not self.answers.get("service_enabled"):
            self.query_one("#launch-service", Static).update(t("launch.service_hint"))

    def on_certificate_asked(self, message: CertificateAsked) -> None:
        """A spinner row while the CA validates the names (up to ``acme.timeout``)."""
        self.query_one(CheckList).add_task("certificate", message.text)
        self.query_one("#launch-cert", Static).update("")

    def on_certificate_done(self, message: CertificateDone) -> None:
        """The certificate's row and its lines: trusted, or the reason and the fingerprint."""
        rows, title = self.query_one(CheckList), t("launch.cert.title")
        if message.outcome is None:
            finding = t("launch.cert.failed", reason=message.error)
            rows.set_result("certificate", "fail", finding, title=title)
            return
        result = message.outcome
        details = "\n".join(result.details)
        rows.set_result(
            "certificate", "ok" if result.ok else "warn", result.message, details, title=title
        )
        self.query_one("#launch-cert", Static).update(details)

    @on(Button.Pressed, "#launch-install")
    def install_unit(self) -> None:
        """Install, enable and start the systemd unit in a worker (or say what to do)."""
        self.query_one("#launch-install", Button).disabled = True
        self.query_one("#launch-service", Static).update(t("launch.service_working"))
        rows = self.query_one(CheckList)
        for name in service_ports(self.pm.config):
            rows.add_task(name, t(f"service.{name}"))
        pm = self.pm
        self.run_in_app(
            self.run_service,
            pm.config,
            pm.config_path,
            pm.paths,
            current_language(),
            group="launch",
        )

    def run_service(
        self, config: Config, config_path: Path, paths: DataPaths, language: str
    ) -> None:
        """Hand the server over to systemd (a worker thread): it then survives a reboot."""
        outcome = service_enable.enable_service(
            config, config_path, paths, service_enable.default_user_mode()
        )

        def on_service(name: str, ok: bool, where: str) -> None:
            text = t("launch.running", port=where) if ok else t("launch.not_running")
            self.post_message(RowResult(name, "ok" if ok else "fail", text))

        report_ports(config, on_service)
        kept: dict[str, Any] = {"service_enabled": outcome.enabled}
        if outcome.running:
            kept["running"] = True
        self.keep_answers(kept)
        text = outcome.text(language)
        self.post_message(ServiceDone(text, outcome.enabled))
        if outcome.running:
            self.recheck(config, paths)

    def on_service_done(self, message: ServiceDone) -> None:
        """The outcome line; the button may be pressed again."""
        self.query_one("#launch-service", Static).update(message.text)
        self.query_one("#launch-install", Button).disabled = False

    def collect(self) -> dict[str, Any] | None:
        """Going on is allowed even when not started (the dashboard can start it)."""
        return {"running": bool(self.answers.get("running"))}
