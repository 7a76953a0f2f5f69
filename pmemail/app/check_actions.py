"""Run the doctor's checks again: from the dashboard, and quietly from the wizard.

The wizard keeps only the latest run's answers (:func:`verdict_answers`),
with the time it was taken and the step that took it, so its summary never
shows a verdict older than the forwarding or the launch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pmemail.app.action_result import ActionResult
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.checks.runner import DoctorReport


def rerun_checks(
    config: Config, paths: DataPaths, on_result: Callable[[CheckResult], None] | None = None
) -> ActionResult:
    """Run the doctor's checks (``on_result`` gets each as it finishes).

    Must be called from a thread without a running event loop (a worker).
    """
    from netcore.checks.runner import run_checks
    from pmemail.app.cert_check import certificate_rows
    from pmemail.app.mail_auth_check import mail_auth_rows
    from pmemail.app.mail_engine import engine_rows
    from pmemail.app.verdict_texts import finding_text

    extra = [*certificate_rows(config), *mail_auth_rows(config, paths), *engine_rows(config, paths)]
    report = asyncio.run(run_checks(config, paths, on_result, extra))
    verdict = {0: "all checks passed", 1: "warnings", 2: "problems found"}[report.exit_code]
    lines = [
        f"{c.status.upper():7} {c.title}: {finding_text(c, config.language)}" for c in report.checks
    ]
    return ActionResult(
        f"checks done in {report.seconds:.1f} s: {verdict}", lines, ok=report.exit_code == 0
    )


def verdict_answers(report: DoctorReport, hostname: str, after: str) -> dict[str, Any]:
    """What the wizard keeps of a run: the verdict with its time and the step that ran it
    (``after``), and what later steps need (the port 25 result, the decision on direct
    delivery)."""
    from pmemail.app.relay_decision import reason_from_report

    reason = reason_from_report(report, hostname)
    verdict = report.verdict
    outbound = next((c for c in report.checks if c.id == "outbound_25"), None)
    return {
        "verdict_status": report.to_dict()["status"],
        "verdict_summary": str(verdict.get("summary", "")),
        # its message ids: the summary words it in the admin's language
        "verdict_messages": verdict.get("messages") or {},
        "checked_at": time.time(),
        "checked_after": after,
        "hosting": verdict.get("hosting", "unknown"),
        "outbound_25": outbound.status if outbound else "skipped",
        "smarthost": str((outbound.details.get("smarthost", "") if outbound else "") or ""),
        "public_ip": report.public_ip.get("address", ""),
        "relay_reason": reason.id,
        "relay_params": reason.params,
    }


def recheck(config: Config, paths: DataPaths, after: str) -> dict[str, Any] | None:
    """Run the subscription checks again and return :func:`verdict_answers`.

    For a wizard step that changed the truth (forwarding, launch). None when
    the run itself broke: the previous answers are then kept (they say when
    they were taken). Must be called from a thread without a running loop.
    """
    from netcore.checks.runner import run_checks

    try:
        report = asyncio.run(run_checks(config, paths))
    except Exception:  # a broken run must not take the step's own work down with it
        return None
    return verdict_answers(report, config.mail.hostname, after)
