"""The dashboard's one-click actions: each key's use case, run in a worker.

``DashboardScreen`` (``dashboard.py``) renders; this base class holds what its
action keys do: one action at a time, in a thread worker, its outcome posted
back as an ``ActionDone`` message, and the one-line message under the server line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual import work
from textual.screen import Screen
from textual.widgets import Log, Static, TabbedContent

from netcore.checks.result import CheckResult
from pmemail.app import (
    cert_outcome,
    check_actions,
    forwarding_actions,
    queue_actions,
    server_process,
)
from pmemail.app.action_result import ActionError, ActionResult
from pmemail_tui.i18n import current_language, t
from pmemail_tui.widgets.confirm_modal import ConfirmModal
from pmemail_tui.widgets.dashboard.actions import DashAction
from pmemail_tui.widgets.dashboard.messages import ActionDone, CheckProgress
from pmemail_tui.widgets.dashboard.panels import ServicesTable

if TYPE_CHECKING:
    from pmemail_tui.app import PmemailApp


class DashboardActions(Screen[None]):
    """The dashboard's action keys and the worker that runs them."""

    busy: DashAction | None
    """The action running now (``DashboardScreen.__init__`` sets it)."""

    @property
    def pm(self) -> PmemailApp:
        """The app, typed."""
        return cast("PmemailApp", self.app)

    def launch(self, action: DashAction, call: Callable[[], ActionResult]) -> None:
        """Run one action in a worker unless another one is still running."""
        if self.busy is not None:
            refused = t("dash.busy", action=self.busy.label)
            self.say(refused, error=True)
            self.query_one("#dash-actions", Log).write_line(f"{action.label}: {refused}")
            return
        self.busy = action
        self.say(t("dash.running", action=action.label))
        self._action_worker(action, call)

    @work(thread=True, group="dash-action", exit_on_error=False)
    def _action_worker(self, action: DashAction, call: Callable[[], ActionResult]) -> None:
        start = time.monotonic()
        try:
            result = call()
        except ActionError as err:
            done = ActionDone(action, None, err.words(current_language()))
        except Exception as err:  # a bug must still end as a message, not a dead UI
            done = ActionDone(action, None, f"{type(err).__name__}: {err}")
        else:
            done = ActionDone(action, result)
        done.seconds = time.monotonic() - start
        self.post_message(done)

    def say(self, text: str, error: bool = False) -> None:
        """The one-line message under the server line."""
        line = self.query_one("#dash-message", Static)
        line.update(text)
        line.set_class(error, "error")

    # ------------------------------------------------------------ actions
    def action_tab(self, tab: str) -> None:
        """Show one tab."""
        self.query_one(TabbedContent).active = tab

    def action_start(self) -> None:
        """Start ``pmemail serve`` in the background."""
        pm = self.pm
        self.launch(
            DashAction.START,
            lambda: server_process.start_server(pm.config, pm.config_path, pm.paths),
        )

    def action_stop(self) -> None:
        """Stop the running server, once the admin said yes (all mail stops)."""
        pm = self.pm

        def answered(yes: bool | None) -> None:
            if yes:
                self.launch(
                    DashAction.STOP, lambda: server_process.stop_server(pm.config, pm.paths)
                )

        self.app.push_screen(ConfirmModal(t("dash.stop.confirm"), t("dash.stop.yes")), answered)

    def action_restart(self) -> None:
        """Stop then start the server."""
        pm = self.pm
        self.launch(
            DashAction.RESTART,
            lambda: server_process.restart_server(pm.config, pm.config_path, pm.paths),
        )

    def action_restart_service(self) -> None:
        """Restart the service under the cursor of the Overview's table, the others keep running."""
        table, paths = self.query_one(ServicesTable), self.pm.paths
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or "")
        if name:
            call = server_process.restart_service
            self.launch(DashAction.RESTART_SERVICE, lambda: call(paths, name))

    def action_forward(self) -> None:
        """Apply the whole port plan on the router again."""
        pm = self.pm
        self.launch(DashAction.FORWARD, lambda: forwarding_actions.forward_all(pm.config, pm.paths))

    def action_unmap(self) -> None:
        """Remove pmemail's mappings from the router."""
        pm = self.pm
        self.launch(
            DashAction.UNMAP, lambda: forwarding_actions.remove_mappings(pm.config, pm.paths)
        )

    def action_checks(self) -> None:
        """Run the doctor's checks again; each result appears as it finishes."""
        pm = self.pm
        if self.busy is None:
            self.query_one("#dash-actions", Log).write_line(t("dash.checks.start"))
            self.action_tab("actions")

        def progress(result: CheckResult) -> None:
            self.post_message(CheckProgress(result))

        self.launch(
            DashAction.CHECKS,
            lambda: check_actions.rerun_checks(pm.config, pm.paths, progress),
        )

    def action_retry_queue(self) -> None:
        """Retry every queued recipient now."""
        pm = self.pm
        self.launch(DashAction.RETRY, lambda: queue_actions.retry_queue(pm.paths))

    def action_renew(self) -> None:
        """Ask the certificate authority for a certificate now (the server does it)."""
        pm, language = self.pm, current_language()
        self.launch(
            DashAction.RENEW,
            lambda: cert_outcome.renew_certificate(pm.config, pm.paths, language),
        )
        if self.busy is DashAction.RENEW:  # the CA may take a minute: say who we wait for
            self.say(t("dash.cert.renewing"))
