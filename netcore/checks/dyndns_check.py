"""The doctor's ``dyndns`` row: does the host name's A record hold the public address?

Only when updates are wanted (``[dyndns]``, a dynamic address) or would be
but ``[dyndns]`` is not filled in. The record is read through
``network.resolver`` (the system's when empty), so a provider's stale
record, a refused update or a record nobody updates shows here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import dns.exception

from netcore.checks.result import CheckResult, Status
from netcore.checks.table import CheckRow, Shared
from netcore.checks.threads import in_thread
from netcore.checks.verdict_messages import Msg
from netcore.dyndns.protocol import VERDICTS
from netcore.dyndns.settings import DyndnsSettings, not_wanted_reason
from netcore.dyndns.state import DyndnsState
from netcore.dyndns.updater import DyndnsUpdater
from netcore.ip_history import IpHistory
from netcore.mail_dns import addresses_of, make_resolver
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

CHECK_ID = "dyndns"
TITLE = "Dynamic DNS"


def judge_dyndns(
    hostname: str,
    address: str,
    found: list[str] | None,
    state: DyndnsState,
    configured: bool,
    seconds: float = 0.0,
) -> CheckResult:
    """Judge the record against the public address. Pure.

    Args:
        hostname: the name updated.
        address: the public address now ("" unknown).
        found: its A records (None: the lookup failed).
        state: the updater's saved state.
        configured: ``[dyndns]`` is filled in (else only the advice to fill it).
    """
    details: dict[str, Any] = {
        "hostname": hostname,
        "public_ip": address,
        "records": found,
        **state.to_dict(),
    }
    advice: tuple[Msg, ...] = ()
    status: Status
    if not configured:
        status, finding = "warn", Msg("find.dyndns.not_configured", {"hostname": hostname})
        advice = (Msg("adv.dyndns.configure"),)
    elif state.stopped:
        status = "fail"
        finding = Msg("find.dyndns.refused", {"hostname": hostname, "answer": state.last_answer})
        advice = (Msg("adv.dyndns.refused"),)
    elif not address:
        status, finding = "skipped", Msg("find.dyndns.no_address", {"hostname": hostname})
    elif found is None:
        status, finding = "warn", Msg("find.dyndns.lookup_failed", {"hostname": hostname})
    elif address in found:
        status, finding = "ok", Msg("find.dyndns.ok", {"hostname": hostname, "address": address})
    else:
        status = "warn"
        values = {"hostname": hostname, "address": address, "found": ", ".join(found) or "-"}
        finding = Msg("find.dyndns.mismatch", values)
        waiting = state.next_try > 0 and VERDICTS.get(state.last_answer) != "done"
        advice = (Msg("adv.dyndns.waiting" if waiting else "adv.dyndns.update"),)
    return CheckResult(
        CHECK_ID,
        TITLE,
        status,
        finding.english(),
        details,
        "; ".join(m.english() for m in advice),
        seconds,
        finding,
        advice,
    )


def dyndns_result(config: Config, paths: DataPaths, address: str) -> CheckResult | None:
    """Look the record up and judge it (blocking); None when the row does not apply.

    Args:
        config: the configuration (``network.resolver``: where to look).
        paths: the data dir (the IP history, the updater's state).
        address: the public address ("" = unknown).
    """
    reason = not_wanted_reason(config, IpHistory(paths.state))
    if reason not in ("", "not_configured"):
        return None
    settings = DyndnsSettings.from_config(config)
    state = DyndnsUpdater(settings, paths.state).state()
    found: list[str] | None = None
    if address and settings.hostname and not reason:
        net = config.network
        try:
            found = addresses_of(make_resolver(net.resolver, net.dns_timeout), settings.hostname)
        except dns.exception.DNSException:  # said as such: the record is unknown
            found = None
    return judge_dyndns(settings.hostname, address, found, state, not reason)


def dyndns_rows(config: Config, paths: DataPaths) -> list[CheckRow]:
    """The doctor's ``dyndns`` row, for ``run_checks(..., extra=...)``.

    None when the address is not dynamic or updates are off.
    """
    if not dyndns_result_applies(config, paths):
        return []

    async def run(s: Shared) -> CheckResult:
        result = await in_thread(dyndns_result, config, paths, s.answers.address)
        if result is None:  # the history changed meanwhile: nothing to say
            hostname = DyndnsSettings.from_config(config).hostname
            skipped = Msg("find.dyndns.no_address", {"hostname": hostname})
            return CheckResult(CHECK_ID, TITLE, "skipped", skipped.english(), message=skipped)
        return dataclasses.replace(result, seconds=s.seconds())

    return [CheckRow(CHECK_ID, TITLE, run, needs=("public_ip",))]


def dyndns_result_applies(config: Config, paths: DataPaths) -> bool:
    """Whether the ``dyndns`` row is part of the doctor's report."""
    return not_wanted_reason(config, IpHistory(paths.state)) in ("", "not_configured")
