"""Run the doctor's checks again from the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from pmemail.app.action_result import ActionResult
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult


def rerun_checks(
    config: Config, paths: DataPaths, on_result: Callable[[CheckResult], None] | None = None
) -> ActionResult:
    """Run the doctor's checks (``on_result`` gets each as it finishes).

    Must be called from a thread without a running event loop (a worker).
    """
    from netcore.checks.runner import run_checks
    from pmemail.app.cert_check import certificate_rows
    from pmemail.app.mail_auth_check import mail_auth_rows
    from pmemail.app.verdict_texts import finding_text

    extra = [*certificate_rows(config), *mail_auth_rows(config, paths)]
    report = asyncio.run(run_checks(config, paths, on_result, extra))
    verdict = {0: "all checks passed", 1: "warnings", 2: "problems found"}[report.exit_code]
    lines = [
        f"{c.status.upper():7} {c.title}: {finding_text(c, config.language)}" for c in report.checks
    ]
    return ActionResult(
        f"checks done in {report.seconds:.1f} s: {verdict}", lines, ok=report.exit_code == 0
    )
