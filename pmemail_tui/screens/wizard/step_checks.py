"""Step 3: the ISP subscription checks, each shown as it finishes, then the verdict."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.widget import Widget
from textual.widgets import Button, Static

from pmemail.app.check_actions import verdict_answers
from pmemail.app.verdict_texts import advice_text, finding_text, verdict_lines
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import ChecksDone, RowResult
from pmemail_tui.widgets.check_list import CheckList

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.checks.runner import DoctorReport

# The doctor's checks in the order they are listed (inbound.* and the verdict follow).
CHECK_IDS = ("lan", "router", "public_ip", "nat", "ip_kind", "outbound_25", "dns")


def _details(result: CheckResult) -> str:
    return "\n".join(f"{k}: {v}" for k, v in result.details.items())


class ChecksStep(WizardStep):
    """Runs ``netcore``'s doctor in a worker; rows turn into results one by one."""

    STEP = "checks"

    def compose_body(self) -> Iterable[Widget]:
        """Intro, the verdict (on top: it is what matters), a re-run button, the rows."""
        yield Static(t("step.checks.intro"))
        yield Static(t("checks.running"), id="verdict", markup=False)
        yield Button(t("checks.rerun"), id="checks-rerun", compact=True)
        yield CheckList(id="check-rows")

    def on_mount(self) -> None:
        """Run the checks as soon as the step opens."""
        self.start_checks()

    def titles(self) -> dict[str, str]:
        """Each check's row title in the current language, by check id."""
        found = {cid: t(f"check.{cid}") for cid in CHECK_IDS}
        for name, m in self.pm.config.ports.items():
            if m.enabled:
                found[f"inbound.{name}"] = t(
                    "check.inbound", port=m.external, service=t(f"service.{name}")
                )
        found["subscription"] = t("check.subscription")
        return found

    @on(Button.Pressed, "#checks-rerun")
    def start_checks(self) -> None:
        """Announce every row with a spinner and start a new run."""
        rows = self.query_one(CheckList)
        for cid, title in self.titles().items():
            rows.add_task(cid, title)
        self.query_one("#verdict", Static).update(t("checks.running"))
        self.query_one("#checks-rerun", Button).disabled = True
        # the admin may go on at once: the answers are still kept
        self.run_in_app(
            self.run_doctor, self.pm.config, self.pm.paths, self.titles(), group="checks"
        )

    def run_doctor(self, config: Config, paths: DataPaths, titles: dict[str, str]) -> None:
        """The checks themselves: their own event loop in a worker thread."""
        from netcore.checks.runner import run_checks  # heavy (dnspython, requests): not at start

        def on_result(result: CheckResult) -> None:
            self.post_message(
                RowResult(
                    result.id,
                    result.status,
                    finding_text(result, current_language()),
                    _details(result),
                    advice_text(result, current_language()),
                    titles.get(result.id, result.title),
                )
            )

        try:
            report = asyncio.run(run_checks(config, paths, on_result))
        except Exception as err:  # shown to the admin, never a crash of the app
            self.post_message(ChecksDone(None, f"{type(err).__name__}: {err}"))
        else:
            self.keep_answers(verdict_answers(report, config.mail.hostname, self.STEP))
            self.post_message(ChecksDone(report))

    def on_checks_done(self, message: ChecksDone) -> None:
        """The verdict, or why the run broke; the checks may run again."""
        if message.report is None:
            self.show_failure(message.error)
        else:
            self.show_verdict(message.report)

    def show_failure(self, reason: str) -> None:
        """The run itself broke: say so and let the admin run it again."""
        self.query_one("#verdict", Static).update(t("checks.broken", reason=reason))
        self.query_one("#checks-rerun", Button).disabled = False

    def show_verdict(self, report: DoctorReport) -> None:
        """The decision in plain words, plus what to ask the ISP."""
        summary, limits, advice = verdict_lines(report.verdict, current_language())
        lines = [f"{t('checks.verdict')}: {summary}"]
        lines += [f"  • {x}" for x in limits]
        lines += [f"  → {x}" for x in advice]
        self.query_one("#verdict", Static).update("\n".join(lines))
        self.query_one("#checks-rerun", Button).disabled = False

    def collect(self) -> dict[str, Any] | None:
        """Results are saved as they arrive; going on is always allowed."""
        return {}
