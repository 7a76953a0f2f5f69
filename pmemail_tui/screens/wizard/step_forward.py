"""Step 6: one button applies the port plan on the router; per-port results.

On refusal the exact manual table (and the router profile's steps) is shown,
with a "check again" button that re-reads the router.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from netcore.forwarding import FAILED, Forwarder, PortOutcome
from netcore.forwarding_report import (
    forwarding_document,
    manual_document,
    next_steps_lines,
    router_profile,
)
from netcore.plan import PlanError, build_plan
from netcore.profiles import RouterProfile
from netcore.router.errors import RouterError
from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep
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

    def forwarder(self) -> Forwarder:
        """A forwarder for the current config."""
        return Forwarder(self.pm.config, self.pm.paths)

    @on(Button.Pressed, "#forward-apply")
    def apply_plan(self) -> None:
        """Start mapping (in a worker) with a spinner per port."""
        rows = self.query_one(CheckList)
        for name, m in self.pm.config.ports.items():
            if m.enabled:
                rows.add_task(name, f"{m.external}/{m.protocol} {t(f'service.{name}')}")
        self.query_one("#forward-apply", Button).disabled = True
        # the app owns the run: leaving the step must not cut the apply in half
        self.run_in_app(self.run_apply, rows, group="forward")

    def run_apply(self, rows: CheckList) -> None:
        """Forwarder.apply with progress posted row by row (a worker thread)."""

        def progress(outcome: PortOutcome) -> None:
            self.call_ui(rows.set_result, outcome.name, *_row(outcome))

        forwarder = self.forwarder()
        isp = self.pm.config.isp
        try:
            plan = forwarder.plan()
            report = forwarder.apply(progress=progress)
        except (RouterError, PlanError, OSError) as err:
            # no router, no route, refused socket: the whole plan is to be typed by hand
            self.keep_answers({"all_mapped": False})
            self.call_ui(
                self.show_failure,
                str(err),
                self.manual_text(router_profile(isp.profile, isp.router_profile)),
            )
        else:
            profile = router_profile(isp.profile, isp.router_profile) if report.failed else None
            doc = forwarding_document(report, plan, profile)
            self.keep_answers({"all_mapped": not report.failed})
            self.call_ui(self.show_next_steps, "\n".join(next_steps_lines(doc)))
        self.call_ui(self._enable_apply)

    def manual_text(self, profile: RouterProfile | None) -> str:
        """The whole plan as the manual table and the profile's steps (no router to ask)."""
        lan_ip = str(self.pm.wizard.answers.get("network", {}).get("lan", {}).get("address", ""))
        stand_in = "192.0.2.0"  # build_plan wants an IPv4 address; replaced in the table below
        try:
            plan = build_plan(self.pm.config, lan_ip or stand_in)
        except PlanError as err:
            return str(err)
        manual = manual_document(plan, profile)
        for row in manual["table"]:
            if row["internal_host"] == stand_in:
                row["internal_host"] = t("forward.this_computer_ip")
        doc = {"summary": {"ok": 0, "total": len(plan)}, "manual": manual}
        return "\n".join(next_steps_lines(doc))

    def _enable_apply(self) -> None:
        self.query_one("#forward-apply", Button).disabled = False

    @on(Button.Pressed, "#forward-check")
    def check_again(self) -> None:
        """Re-read the router's table and mark what is really there."""
        self.run_in_app(
            self.run_check,
            self.query_one(CheckList),
            self.query_one("#forward-error", Static),
            group="forward",
        )

    def run_check(self, rows: CheckList, error: Static) -> None:
        """Compare the router's table with the plan (a worker thread)."""
        try:
            router_rows, _ours = self.forwarder().table()
        except (RouterError, PlanError, OSError) as err:
            self.call_ui(error.update, t("forward.no_router", reason=str(err)))
            return
        present = {(r.external, r.protocol.upper()) for r in router_rows}
        for name, m in self.pm.config.ports.items():
            if not m.enabled:
                continue
            there = (m.external, m.protocol.upper()) in present
            self.call_ui(
                rows.set_result,
                name,
                "ok" if there else "fail",
                t("forward.present") if there else t("forward.absent"),
                "",
                "",
                f"{m.external}/{m.protocol} {t(f'service.{name}')}",
            )

    def show_next_steps(self, text: str) -> None:
        """The summary, fallbacks and manual table for whatever the router refused."""
        self.query_one("#forward-error", Static).update("")
        self.query_one("#forward-manual", Static).update(text)

    def show_failure(self, reason: str, manual: str) -> None:
        """No router to talk to: the reason, then the rules to add by hand."""
        self.query_one("#forward-error", Static).update(t("forward.no_router", reason=reason))
        self.query_one(CheckList).clear()
        self.query_one("#forward-manual", Static).update(manual)

    def collect(self) -> dict[str, Any] | None:
        """Going on without every port mapped is allowed: the summary lists it."""
        return {"all_mapped": bool(self.answers.get("all_mapped"))}


def _row(outcome: PortOutcome) -> tuple[str, str, str, str]:
    """(status, finding, details, advice) of one port's outcome."""
    if outcome.status == FAILED:
        return "fail", outcome.message, f"code {outcome.code}" if outcome.code else "", ""
    granted = outcome.granted_external
    moved = granted is not None and granted != outcome.external
    finding = t(
        "forward.mapped",
        method=outcome.method.upper(),
        target=f"{outcome.internal_host}:{outcome.internal}",
    )
    if moved:
        return "warn", t("forward.moved", granted=granted), finding, ""
    return "ok", finding, f"lease {outcome.lease} s" if outcome.lease else "", ""
