"""``pmemail doctor``: what does this internet subscription allow?

Human mode prints each check as it finishes, then the verdict and the
advice; ``--json`` prints one stable document (``version`` 1, see
:meth:`netcore.checks.runner.DoctorReport.to_dict`). Exit code: 0 all ok,
1 warnings, 2 failures.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pmemail.cli.context import Context

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.checks.runner import DoctorReport

ORDER = 30
MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skipped": "skip"}
# each row's mark in each language (five columns at most: the table stays aligned)
MARKS = {"en": MARK, "fr": {"ok": "ok", "warn": "AVERT", "fail": "ÉCHEC", "skipped": "omis"}}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doctor`` command."""
    doctor = sub.add_parser(
        "doctor",
        help="check what the internet subscription allows (router, ports, DNS)",
        description="Check the router, the public address, NAT, fixed or dynamic address, "
        "outbound port 25, inbound ports, DNS and the certificate each TLS port serves. "
        "Exit code: 0 ok, 1 warnings, 2 failures.",
    )
    doctor.add_argument("--json", action="store_true", help="one JSON document (version 1)")
    doctor.set_defaults(handler=cmd_doctor)


def _row(result: CheckResult, language: str = "en") -> str:
    from pmemail.app.verdict_texts import finding_text, title_text

    title = title_text(result, language)
    mark = MARKS.get(language, MARK)[result.status]
    return f"{mark:<5} {title:<30} {finding_text(result, language)}"


def render_advice(report: DoctorReport, language: str = "en") -> list[str]:
    """The lines printed after the table: the verdict and its advice, then advice per check."""
    from pmemail.app.verdict_texts import advice_text, title_text, verdict_lines

    summary, _limits, todo = verdict_lines(report.verdict, language)
    lines = ["", summary, *(f"→ {a}" for a in todo)]
    grouped: dict[str, list[str]] = {}  # same advice (e.g. several ports): one line
    # the verdict's own advice covers the LAN and reachability (it knows what the
    # router mapped or refused; a port's row alone would say "forward it" again)
    covered = {"subscription", "lan"}
    for check in report.checks:
        if check.id.startswith("inbound.") and report.verdict.get("messages"):
            continue
        if check.advice and check.status in ("warn", "fail") and check.id not in covered:
            grouped.setdefault(advice_text(check, language), []).append(title_text(check, language))
    for advice, titles in grouped.items():
        first, *rest = advice.splitlines()
        lines.append(f"- {', '.join(titles)}: {first}")
        lines.extend(f"    {line}" for line in rest)
    return lines


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> int:
    """Run every check; print a table (or JSON); exit 0 / 1 / 2."""
    # imported here: asyncio, requests, dnspython and miniupnpc cost ~0.4 s
    # that other commands (and --help) skip
    import asyncio

    from netcore.checks.dyndns_check import dyndns_rows
    from netcore.checks.runner import run_checks
    from pmemail.app.backup_check import backup_rows
    from pmemail.app.cert_check import certificate_rows
    from pmemail.app.mail_auth_check import mail_auth_rows
    from pmemail.app.mail_engine import engine_rows
    from pmemail.app.relay_decision import reason_from_report
    from pmemail.config.mail_policy import uses_smarthost

    config, paths = ctx.config, ctx.paths
    # the certificate each TLS port of the server serves, then the published records
    served = [
        *certificate_rows(config),
        *mail_auth_rows(config, paths),
        *backup_rows(config, paths),  # only when serve schedules backups
        *engine_rows(config, paths),  # only after the hand-over to Postfix and Dovecot
        *dyndns_rows(config, paths),  # only on a dynamic address
    ]
    if args.json:
        report = asyncio.run(run_checks(config, paths, extra=served))
        doc = report.to_dict()
        doc["relay_decision"] = reason_from_report(report, config.mail.hostname).to_dict()
        ctx.print(json.dumps(doc, indent=2))
        return report.exit_code

    def show(result: CheckResult) -> None:
        if result.id != "subscription":
            ctx.print(_row(result, config.language))
            ctx.out.flush()

    from pmemail.app.verdict_texts import word

    ctx.print(word({"id": "doctor.checking"}, config.language))
    report = asyncio.run(run_checks(config, paths, on_result=show, extra=served))
    for line in render_advice(report, config.language):
        ctx.print(line)
    reason = reason_from_report(report, config.mail.hostname)
    if not uses_smarthost(config.relay) and not reason.direct_ok:
        ctx.print(f"- {reason.words(config.language)}")  # mail goes direct: say why it should not
    return report.exit_code
