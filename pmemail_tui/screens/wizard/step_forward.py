"""Step 6: one button applies the port plan on the router; per-port results.

On refusal the exact manual table (and the router profile's steps) is shown,
with a "check again" button that re-reads the router.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from netcore.port_outcome import FAILED, PortOutcome
from pmemail.app import forwarding_actions
from pmemail.app.action_result import ActionError
from pmemail.app.forwarding_status import manual_steps, ports_on_router
from pmemail.app.verdict_texts import sayer
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import ForwardDone, RouterUnreadable, RowResult
from pmemail_tui.widgets.check_list import CheckList


class ForwardStep(WizardStep):
    """Apply the plan, show each port's outcome, and the manual steps if needed."""

    STEP = "forward"

    def compose_body(self) -> Iterable[Widget]:
        """Explanation, buttons, per-port rows, manual instructions."""
        yield Static(t("forward.intro"))
        with Horizontal(classes="buttons"):
            yield Button(t("forward.apply"), id="forward-apply", variant="success", compact=True)
            yield Button(t("forward.check_again"), id="forward-check", compact=True)
        yield Static("", id="forward-error", markup=False)
        yield CheckList(id="forward-rows")
        yield Static("", id="forward-manual", markup=False)

    @on(Button.Pressed, "#forward-apply")
    def apply_plan(self) -> None:
        """Start mapping (in a worker) with a spinner per port."""
        rows = self.query_one(CheckList)
        for name, m in self.pm.config.ports.items():
            if m.enabled:
                rows.add_task(name, f"{m.external}/{m.protocol} {t(f'service.{name}')}")
        self.query_one("#forward-apply", Button).disabled = True
        lan_ip = str(self.pm.wizard.answers.get("network", {}).get("lan", {}).get("address", ""))
        # the app owns the run: leaving the step must not cut the apply in half
        self.run_in_app(
            self.run_apply,
            self.pm.config,
            self.pm.paths,
            lan_ip,
            t("forward.this_computer_ip"),
            group="forward",
        )

    def run_apply(self, config: Config, paths: DataPaths, lan_ip: str, this_computer: str) -> None:
        """Apply the plan, each port's outcome posted as it comes (a worker thread)."""

        def progress(outcome: PortOutcome) -> None:
            self.post_message(RowResult(outcome.name, *_row(outcome)))

        try:
            applied = forwarding_actions.apply_plan(config, paths, progress)
        except ActionError as err:
            # no router, no route, refused socket: the whole plan is to be typed by hand
            self.keep_answers({"all_mapped": False})
            try:
                manual = "\n".join(manual_steps(config, lan_ip, this_computer))
            except ActionError as plan_err:
                manual = str(plan_err)
            self.post_message(ForwardDone(err.words(current_language()), manual))
        else:
            self.keep_answers({"all_mapped": applied.all_mapped})
            self.post_message(ForwardDone("", "\n".join(applied.next_steps)))
        self.recheck(config, paths)  # the verdict taken before forwarding is stale now

    def on_forward_done(self, message: ForwardDone) -> None:
        """The summary and manual table, after the reason when no router answered."""
        error = t("forward.no_router", reason=message.reason) if message.reason else ""
        self.query_one("#forward-error", Static).update(error)
        if message.reason:
            self.query_one(CheckList).clear()
        self.query_one("#forward-manual", Static).update(message.next_steps)
        self.query_one("#forward-apply", Button).disabled = False

    @on(Button.Pressed, "#forward-check")
    def check_again(self) -> None:
        """Re-read the router's table and mark what is really there (the old results go)."""
        self.query_one("#forward-manual", Static).update("")
        self.query_one("#forward-error", Static).update("")
        rows = self.query_one(CheckList)
        for name, m in self.pm.config.ports.items():
            if m.enabled:
                rows.add_task(name, f"{m.external}/{m.protocol} {t(f'service.{name}')}")
        lan_ip = str(self.pm.wizard.answers.get("network", {}).get("lan", {}).get("address", ""))
        self.run_in_app(
            self.run_check,
            self.pm.config,
            self.pm.paths,
            lan_ip,
            t("forward.this_computer_ip"),
            group="forward",
        )

    def run_check(self, config: Config, paths: DataPaths, lan_ip: str, this_computer: str) -> None:
        """Compare the router's table with the plan (a worker thread); it replaces the
        outcome of the last apply, as the answer the summary reads."""
        try:
            ports = ports_on_router(config, paths)
        except ActionError as err:
            self.post_message(RouterUnreadable(err.words(current_language())))
            return
        present = sum(1 for port in ports if port.present)
        all_mapped = bool(ports) and present == len(ports)
        self.keep_answers({"all_mapped": all_mapped})
        lines = [t("forward.checked", present=present, total=len(ports), time=_now())]
        if not all_mapped:
            try:
                lines += manual_steps(config, lan_ip, this_computer)
            except ActionError as plan_err:
                lines.append(str(plan_err))
        self.post_message(ForwardDone("", "\n".join(lines)))
        for port in ports:
            self.post_message(
                RowResult(
                    port.name,
                    "ok" if port.present else "fail",
                    t("forward.present") if port.present else t("forward.absent"),
                    title=f"{port.external}/{port.protocol} {t(f'service.{port.name}')}",
                )
            )
        self.recheck(config, paths)

    def on_router_unreadable(self, message: RouterUnreadable) -> None:
        """Check again could not read the router: say why; the rows are unknown now."""
        self.query_one(CheckList).clear()
        self.query_one("#forward-error", Static).update(
            t("forward.no_router", reason=message.reason)
        )

    def collect(self) -> dict[str, Any] | None:
        """Going on without every port mapped is allowed: the summary lists it."""
        return {"all_mapped": bool(self.answers.get("all_mapped"))}


def _now() -> str:
    return time.strftime("%H:%M")


def _row(outcome: PortOutcome) -> tuple[str, str, str, str]:
    """(status, finding, details, advice) of one port's outcome."""
    if outcome.status == FAILED:
        said = sayer(current_language())(outcome.msg) if outcome.msg else outcome.message
        return "fail", said, t("forward.code", code=outcome.code) if outcome.code else "", ""
    granted = outcome.granted_external
    moved = granted is not None and granted != outcome.external
    finding = t(
        "forward.mapped",
        method=outcome.method.upper(),
        target=f"{outcome.internal_host}:{outcome.internal}",
    )
    if moved:
        return "warn", t("forward.moved", granted=granted), finding, ""
    return "ok", finding, t("forward.lease", seconds=outcome.lease) if outcome.lease else "", ""
