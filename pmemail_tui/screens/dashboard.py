"""The live dashboard: services, ports, public address, mail, log, one-click actions.

The screen only renders. One timer starts thread workers that call the
UI-free ``pmemail.app.status_snapshot`` / ``pmemail.app`` actions and post
messages back; fast local facts every ``dashboard.local_refresh`` seconds,
slow network facts every ``dashboard.network_refresh`` seconds and on demand.
Panels skip refreshes that change nothing, so an idle dashboard stays idle.
Every action has a key shown in the footer, so it works without a mouse
at 80×24.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Log, Static, TabbedContent, TabPane

from pmemail.app import cert_outcome, service_enable
from pmemail.app.cert_wording import render
from pmemail.app.forwarding_status import monitor_events
from pmemail.app.network_snapshot import NetworkSnapshot, network_snapshot
from pmemail.app.service_texts import TEXTS as SERVICE_TEXTS
from pmemail.app.status_snapshot import LocalProbe, LocalSnapshot
from pmemail.app.verdict_texts import finding_text, title_text
from pmemail_tui.i18n import current_language, localize_bindings, t
from pmemail_tui.screens.dashboard_actions import DashboardActions
from pmemail_tui.widgets.app_header import app_header
from pmemail_tui.widgets.dashboard.actions import DashAction
from pmemail_tui.widgets.dashboard.backup_panel import BackupPanel
from pmemail_tui.widgets.dashboard.held_section import HeldSection
from pmemail_tui.widgets.dashboard.messages import (
    ActionDone,
    BootServiceUpdate,
    CertificateUpdate,
    CheckProgress,
    LocalUpdate,
    NetworkUpdate,
)
from pmemail_tui.widgets.dashboard.network_panel import NetworkPanel
from pmemail_tui.widgets.dashboard.panels import (
    CertificatePanel,
    MailPanel,
    PortsTable,
    ServerBar,
    ServicesTable,
    SteadyStatic,
)
from pmemail_tui.widgets.dashboard.users_tab import UsersTab

TABS = ("overview", "ports", "network", "log", "actions", "users")


class DashboardScreen(DashboardActions):
    """Everything the admin watches once the wizard is done."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
        Binding("r", "restart", "Restart"),
        Binding("R", "restart_service", "Service"),
        Binding("f", "forward", "Forward"),
        Binding("u", "unmap", "Unmap"),
        Binding("c", "checks", "Checks"),
        Binding("e", "retry_queue", "Retry"),
        Binding("n", "renew", "Cert"),
        Binding("g", "refresh", "Refresh"),
        *[
            Binding(str(n), f"tab('{tab}')", tab.title(), show=False)
            for n, tab in enumerate(TABS, start=1)
        ],
    ]
    """One key per action (all in the footer); 1-6 switch tabs."""

    KEY_TEXTS: ClassVar[dict[str, str]] = {
        "start": "dash.key.start",
        "stop": "dash.key.stop",
        "restart": "dash.key.restart",
        "restart_service": "dash.key.restart_service",
        "forward": "dash.key.forward",
        "unmap": "dash.key.unmap",
        "checks": "dash.key.checks",
        "retry_queue": "dash.key.retry",
        "renew": "dash.key.renew",
        "refresh": "dash.key.refresh",
    }
    """Footer label of each action, by catalogue key (the current language's)."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.KEY_TEXTS)
        self.local: LocalSnapshot | None = None
        self.network: NetworkSnapshot | None = None
        self.busy: DashAction | None = None  # the action running now
        self._probe: LocalProbe | None = None
        self._network_at = 0.0  # monotonic time the last network refresh started

    def compose(self) -> ComposeResult:
        """Server line, last action message, tabs, footer."""
        yield app_header()
        yield ServerBar(t("dash.server.loading"), id="dash-server")
        yield SteadyStatic("", id="dash-boot", markup=False)
        yield Static("", id="dash-message", markup=False)
        with TabbedContent(initial="overview"):
            with TabPane(t("dash.tab.overview"), id="overview"), VerticalScroll():
                yield ServicesTable(id="dash-services")
                yield MailPanel("", id="dash-mail")
                yield CertificatePanel("", id="dash-cert")
                yield BackupPanel("", id="dash-backup")
            with TabPane(t("dash.tab.ports"), id="ports"), Vertical():
                yield PortsTable(id="dash-ports")
                yield SteadyStatic("", id="dash-port-why", markup=False)
            with TabPane(t("dash.tab.network"), id="network"), VerticalScroll():
                yield NetworkPanel(t("dash.net.pending"), id="dash-network")
            with TabPane(t("dash.tab.log"), id="log"):
                yield Log(id="dash-log", max_lines=2000)
            with TabPane(t("dash.tab.actions"), id="actions"):
                yield Log(id="dash-actions", max_lines=2000)
            with TabPane(t("dash.tab.users"), id="users"):
                yield UsersTab(self.pm.config, self.pm.paths, id="dash-users-tab")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        """First refreshes at once, then on one timer (one wakeup serves both)."""
        self._probe = LocalProbe(self.pm.config, self.pm.paths)
        board = self.pm.config.dashboard
        self.refresh_local()
        self._refresh_network_now()
        self.set_interval(
            min(board.local_refresh, board.network_refresh), self._tick, name="dash-refresh"
        )

    def _tick(self) -> None:
        """Local facts every tick, network facts when ``network_refresh`` has passed."""
        board = self.pm.config.dashboard
        self.refresh_local()
        # half a tick of slack: the timer's drift must not skip a whole period
        slack = min(board.local_refresh, board.network_refresh) / 2
        if time.monotonic() - self._network_at >= board.network_refresh - slack:
            self._refresh_network_now()

    def _refresh_network_now(self) -> None:
        self._network_at = time.monotonic()
        self.refresh_network()
        self.refresh_certificate()  # from the files too when no server runs: not every tick
        self.refresh_boot_service()

    # ------------------------------------------------------------ workers
    @work(thread=True, exclusive=True, group="dash-local", exit_on_error=False)
    def refresh_local(self) -> None:
        """Control socket, psutil, queue dir and log tail (milliseconds)."""
        probe = self._probe or LocalProbe(self.pm.config, self.pm.paths)
        self.post_message(LocalUpdate(probe.snapshot()))

    @work(thread=True, exclusive=True, group="dash-network", exit_on_error=False)
    def refresh_network(self) -> None:
        """Router table, public address, outside reachability (seconds)."""
        self.post_message(NetworkUpdate(network_snapshot(self.pm.config, self.pm.paths)))

    @work(thread=True, exclusive=True, group="dash-cert", exit_on_error=False)
    def refresh_certificate(self) -> None:
        """The certificate served now (control socket or files: milliseconds)."""
        self.post_message(
            CertificateUpdate(cert_outcome.read_certificate(self.pm.config, self.pm.paths))
        )

    @work(thread=True, exclusive=True, group="dash-boot", exit_on_error=False)
    def refresh_boot_service(self) -> None:
        """Whether systemd starts the server at boot (two ``systemctl`` calls)."""
        enabled = service_enable.service_enabled(service_enable.default_user_mode())
        key = {True: "enabled", False: "disabled", None: "no_systemd"}[enabled]
        text = render(SERVICE_TEXTS, f"service.state.{key}", current_language())
        self.post_message(BootServiceUpdate(t("dash.boot", state=text), enabled))

    # ------------------------------------------------------------ messages
    def on_local_update(self, message: LocalUpdate) -> None:
        """Render fresh local facts."""
        snap = self.local = message.snapshot
        self.query_one(ServerBar).show(snap)
        self.query_one(ServicesTable).show(snap)
        self.query_one(MailPanel).show(snap)
        held = self.query_one(HeldSection)
        if snap.running and snap.mail.collector_held != len(held.held):  # held or let go of one
            held.reload()
        self.query_one(BackupPanel).show(snap.backup, snap.running)
        served = cert_outcome.served_status(snap.services)
        if served is not None:  # the running server's renewal service: the freshest view
            self.query_one(CertificatePanel).show(served)
        self.query_one(PortsTable).show(snap, self.network)
        # the monitor's events worded here: the log tab below shows the file's English
        events = monitor_events(snap.services, current_language())
        self.query_one(NetworkPanel).show_monitor(events)
        self._show_why()
        log = self.query_one("#dash-log", Log)
        if list(log.lines[-len(snap.log_lines) :]) != snap.log_lines:
            log.clear()
            log.write_lines(snap.log_lines)

    def on_network_update(self, message: NetworkUpdate) -> None:
        """Render fresh network facts."""
        self.network = message.snapshot
        self.query_one(NetworkPanel).show(self.network)
        self.query_one(PortsTable).show(self.local, self.network)
        self._show_why()
        if self.network.address_changed:
            self.say(t("dash.net.changed_now", address=self.network.public_address), error=True)

    def on_boot_service_update(self, message: BootServiceUpdate) -> None:
        """Render whether the server survives a reboot."""
        self.query_one("#dash-boot", SteadyStatic).show_content(message.text)

    def on_certificate_update(self, message: CertificateUpdate) -> None:
        """Render the certificate read by the worker."""
        self.query_one(CertificatePanel).show(message.status)

    def on_check_progress(self, message: CheckProgress) -> None:
        """One check finished: append it to the actions log."""
        r = message.result
        self.query_one("#dash-actions", Log).write_line(
            f"  {r.status.upper():7} {title_text(r, current_language())}: "
            f"{finding_text(r, current_language())}"
        )

    def on_action_done(self, message: ActionDone) -> None:
        """Show the outcome, then refresh what the action changed."""
        self.busy = None
        out = self.query_one("#dash-actions", Log)
        label = message.action.label
        took = t("dash.took", seconds=f"{message.seconds:.1f}")
        if message.result is None:
            self.say(f"{label}: {message.error}", error=True)
            out.write_line(f"{label}: {t('dash.failed')}: {message.error} {took}")
        else:
            headline = message.result.words(current_language())
            self.say(f"{label}: {headline}", error=not message.result.ok)
            out.write_line(f"{label}: {headline} {took}")
            if message.action is not DashAction.CHECKS:  # each check was shown as it finished
                out.write_lines([f"  {line}" for line in message.result.details])
        if message.action is DashAction.USERS:
            self.query_one(UsersTab).reload()
        self.refresh_local()
        if message.action.changes_network:
            self._refresh_network_now()
        else:  # a start makes the first certificate, a renewal a new one
            self.refresh_certificate()

    def on_users_tab_request(self, message: UsersTab.Request) -> None:
        """A change asked on the Users tab: run it as the Users action."""
        self.launch(DashAction.USERS, message.call)

    @on(DataTable.RowHighlighted, "#dash-ports")
    def _port_highlighted(self) -> None:
        self._show_why()

    def _show_why(self) -> None:
        table = self.query_one(PortsTable)
        why = ""
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            why = table.reasons.get(str(key), "")
        self.query_one("#dash-port-why", SteadyStatic).show_content(why)

    # ------------------------------------------------------------ actions
    def action_refresh(self) -> None:
        """Refresh everything now (the network part too)."""
        self.say(t("dash.refreshing"))
        self.refresh_local()
        self._refresh_network_now()
