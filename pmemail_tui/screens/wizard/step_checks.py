"""Step 3: the ISP subscription checks, each shown as it finishes, then the verdict."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.widget import Widget
from textual.widgets import Button, Static

from netcore.checks.result import CheckResult
from netcore.checks.runner import DoctorReport, run_checks
from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.widgets.check_list import CheckList


def _details(result: CheckResult) -> str:
    return "\n".join(f"{k}: {v}" for k, v in result.details.items())


class ChecksStep(WizardStep):
    """Runs ``netcore``'s doctor in a worker; rows turn into results one by one."""

    STEP = "checks"

    def compose_body(self) -> Iterable[Widget]:
        """Intro, the rows, the verdict, a re-run button."""
        yield Static(t("step.checks.intro"))
        yield CheckList(id="check-rows")
        yield Static(t("checks.running"), id="verdict", markup=False)
        yield Button(t("checks.rerun"), id="checks-rerun")

    def on_mount(self) -> None:
        """Run the checks as soon as the step opens."""
        self.start_checks()

    @on(Button.Pressed, "#checks-rerun")
    def start_checks(self) -> None:
        """Clear the rows and start a new run."""
        self.query_one(CheckList).clear()
        self.query_one("#verdict", Static).update(t("checks.running"))
        self.run_doctor()

    @work(thread=True, exclusive=True, group="checks")
    def run_doctor(self) -> None:
        """The checks themselves: their own event loop in this worker thread."""
        rows = self.query_one(CheckList)

        def on_result(result: CheckResult) -> None:
            self.app.call_from_thread(rows.set_result, result.id, result.status, result.finding,
                                      _details(result), result.advice, result.title)

        report = asyncio.run(run_checks(self.pm.config, self.pm.paths, on_result))
        self.app.call_from_thread(self.show_verdict, report)

    def show_verdict(self, report: DoctorReport) -> None:
        """The decision in plain words, plus what to ask the ISP."""
        verdict = report.verdict
        lines = [f"{t('checks.verdict')}: {verdict.get('summary', '')}"]
        lines += [f"  • {x}" for x in verdict.get("limits", [])]
        lines += [f"  → {x}" for x in verdict.get("advice", [])]
        self.query_one("#verdict", Static).update("\n".join(lines))
        by_id = {c.id: c for c in report.checks}
        outbound = by_id.get("outbound_25")
        self.answers.update({
            "verdict_status": report.to_dict()["status"],
            "hosting": verdict.get("hosting", "unknown"),
            "outbound_25": outbound.status if outbound else "skipped",
            "smarthost": (outbound.details.get("smarthost", "") if outbound else "") or "",
            "public_ip": report.public_ip.get("address", ""),
        })

    def collect(self) -> dict[str, Any] | None:
        """Results are saved as they arrive; going on is always allowed."""
        return {}
