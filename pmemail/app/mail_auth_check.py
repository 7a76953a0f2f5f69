"""The doctor's rows on outgoing mail's reputation: the published SPF, DKIM, DMARC and
MTA-STS records, and the office's address on a DNS blocklist.

Added to the check table with ``run_checks(..., extra=mail_auth_rows(config, paths))``.
The records to compare with are those ``pmemail dns records`` prints
(:func:`pmemail.app.dns_publish.planned_records`); each wrong or missing one
comes back in the advice as the exact zone line to publish. The judging is
:mod:`netcore.mail_auth_dns` (ids); the sentences are in the config's language.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from pmemail.app.cert_wording import render
from pmemail.app.dns_publish import mail_domains, planned_records
from pmemail.app.mail_auth_texts import TEXTS
from pmemail.config import Config, DataPaths

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult, Status
    from netcore.checks.table import CheckRow, Shared
    from netcore.mail_auth_dns import Finding

KINDS: dict[str, tuple[str, ...]] = {
    "spf": ("spf", "spf_relay"),
    "dkim": ("dkim",),
    "dmarc": ("dmarc",),
    "mta_sts": ("mta_sts", "tls_rpt"),
}
"""Each row and the ``why`` ids of the records it checks."""

RECORD_NAMES: dict[str, str] = {
    "spf": "SPF",
    "spf_relay": "SPF",
    "dkim": "DKIM",
    "dmarc": "DMARC",
    "mta_sts": "MTA-STS",
    "tls_rpt": "TLS-RPT",
}
"""The record's own name (the same in every language), by its ``why``."""

FAILURES = ("timeout", "servfail", "refused", "unreachable")
"""The lookup failures with a sentence of their own (others: ``check.lookup.other``)."""


def _say(key: str, language: str, **values: object) -> str:
    return render(TEXTS, key, language, **values)


def mail_auth_rows(config: Config, paths: DataPaths) -> list[CheckRow]:
    """``records.spf``, ``records.dkim``, ``records.dmarc``, ``records.mta_sts`` and ``dnsbl``."""
    from netcore.checks.table import CheckRow

    language = config.language
    rows = [
        CheckRow(
            f"records.{kind}",
            _say(f"check.title.{kind}", language),
            functools.partial(_records_row, kind, paths),
            needs=("public_ip",) if kind == "spf" else (),
        )
        for kind in KINDS
    ]
    rows.append(
        CheckRow("dnsbl", _say("check.title.dnsbl", language), _dnsbl_row, needs=("public_ip",))
    )
    return rows


async def _records_row(kind: str, paths: DataPaths, s: Shared) -> CheckResult:
    from netcore.checks.threads import in_thread

    address = s.answers.address if kind == "spf" else ""
    result = await in_thread(records_result, kind, s.config, paths, address)
    return dataclasses.replace(result, seconds=s.seconds())


def records_result(kind: str, config: Config, paths: DataPaths, address: str) -> CheckResult:
    """Compare the published records of one row with the records to publish (blocking).

    Args:
        kind: ``spf``, ``dkim``, ``dmarc`` or ``mta_sts``.
        config: the configuration (``network.resolver``: where to look).
        paths: the data dir (DKIM keys; none is made here).
        address: the public address ("" = unknown: direct mode's SPF is skipped).
    """
    from netcore.mail_auth_dns import check_records
    from netcore.mail_dns import make_resolver

    net = config.network
    records = planned_records(config, paths, address, make_keys=False)
    expected = [r for r in records if r.why in KINDS[kind]]
    if kind == "spf" and not address and any(r.why == "spf" for r in expected):
        return _result(kind, config, "skipped", _say("check.no_address", config.language))
    findings = check_records(make_resolver(net.resolver, net.dns_timeout), expected)
    no_key = []
    if kind == "dkim":
        signed = {r.name.split("._domainkey.", 1)[1] for r in expected}
        no_key = [d for d in mail_domains(config) if d not in signed]
    return judge_findings(kind, config, findings, no_key)


def judge_findings(
    kind: str, config: Config, findings: list[Finding], no_key: list[str]
) -> CheckResult:
    """The row's status, finding and advice from the comparisons."""
    language = config.language
    problems: list[str] = []
    for f in findings:
        if f.kind == "missing":
            problems.append(_say("check.missing", language, name=f.record.name))
        elif f.kind == "wrong":
            problems.append(_say("check.wrong", language, name=f.record.name, found=f.found))
        elif f.kind == "error":
            problems.append(lookup_failed(f, config))
    problems += [_say("check.dkim.no_key", language, domain=d) for d in no_key]
    details: dict[str, Any] = {
        "findings": [
            {
                "name": f.record.name,
                "kind": f.kind,
                "found": f.found,
                "expected": f.record.text,
                "error": f.error,
                "failure": f.failure,
            }
            for f in findings
        ],
        "no_key": no_key,
    }
    if not problems:
        domains = ", ".join(mail_domains(config))
        return _result(kind, config, "ok", _say("check.ok", language, domains=domains), details)
    status: Status = "fail" if any(f.kind == "wrong" for f in findings) else "warn"
    fix = [f.record.zone_line() for f in findings if f.kind in ("missing", "wrong")]
    advice = _say("check.advice", language, lines="\n".join(fix)) if fix else ""
    more = f" (+{len(problems) - 1})" if len(problems) > 1 else ""
    return _result(kind, config, status, problems[0] + more, details, advice)


def _whom(config: Config) -> str:
    """The resolver the lookups asked, in words (``network.resolver`` or the system's)."""
    resolver, language = config.network.resolver, config.language
    if resolver:
        return _say("check.whom.server", language, resolver=resolver)
    return _say("check.whom.system", language)


def _dnsbl_why(reason: str, config: Config, address: str) -> str:
    """Why a blocklist gave no verdict, in words (never the resolver library's text)."""
    key = reason if reason in (*FAILURES, "list_refused", "not_ipv4") else "other"
    seconds = f"{config.network.dns_timeout:g}"
    return _say(
        f"check.dnsbl.why.{key}",
        config.language,
        whom=_whom(config),
        seconds=seconds,
        address=address,
    )


def lookup_failed(finding: Finding, config: Config) -> str:
    """A failed lookup as the admin reads it: what was asked, of whom, and what it means.

    Never the resolver library's own text (that stays in the row's details).
    """
    language, net = config.language, config.network
    whom = _whom(config)
    failure = finding.failure if finding.failure in FAILURES else "other"
    return _say(
        f"check.lookup.{failure}",
        language,
        whom=whom,
        record=RECORD_NAMES.get(finding.record.why, finding.record.why.upper()),
        name=finding.record.name,
        seconds=f"{net.dns_timeout:g}",
    )


def _result(
    kind: str,
    config: Config,
    status: Status,
    finding: str,
    details: dict[str, Any] | None = None,
    advice: str = "",
) -> CheckResult:
    from netcore.checks.result import CheckResult

    title = _say(f"check.title.{kind}", config.language)
    return CheckResult(f"records.{kind}", title, status, finding, details or {}, advice)


async def _dnsbl_row(s: Shared) -> CheckResult:
    from netcore.checks.threads import in_thread

    result = await in_thread(dnsbl_result, s.config, s.answers.address)
    return dataclasses.replace(result, seconds=s.seconds())


def dnsbl_result(config: Config, address: str) -> CheckResult:
    """Whether the office's public ``address`` is on a list of ``antispam.dnsbl`` (blocking).

    Listed on one list is a failure; clean means every list answered "not listed".
    """
    from netcore.checks.result import CheckResult
    from netcore.mail_auth_dns import dnsbl_status
    from netcore.mail_dns import make_resolver

    net, language = config.network, config.language
    title = _say("check.title.dnsbl", language)
    zones = [z for z in config.antispam.dnsbl if z.strip()]
    if not zones:
        return CheckResult("dnsbl", title, "skipped", _say("check.dnsbl.none", language))
    if not address:
        return CheckResult("dnsbl", title, "skipped", _say("check.no_address", language))
    res = make_resolver(net.resolver, net.dns_timeout)
    answers = {zone: dnsbl_status(res, address, zone) for zone in zones}
    listed = [zone for zone, (kind, _, _) in answers.items() if kind == "listed"]
    unknown = [zone for zone, (kind, _, _) in answers.items() if kind == "unknown"]
    shown = listed or unknown or zones
    detail = "; ".join(answers[zone][1] for zone in shown if answers[zone][1])
    details = {"address": address, "lists": zones, "answer": detail}
    # an unknown list's reason in words (the resolver library's text stays in details)
    why = dict.fromkeys(_dnsbl_why(answers[zone][2], config, address) for zone in unknown)
    error = "; ".join(why) if unknown else detail
    words = {"address": address, "lists": ", ".join(shown), "error": error}
    if listed:
        finding = _say("check.dnsbl.listed", language, **words)
        return CheckResult(
            "dnsbl", title, "fail", finding, details, _say("check.dnsbl.advice", language)
        )
    if not unknown:
        finding = _say("check.dnsbl.clean", language, **words)
        return CheckResult("dnsbl", title, "ok", finding, details)
    return CheckResult(
        "dnsbl", title, "skipped", _say("check.dnsbl.unknown", language, **words), details
    )
