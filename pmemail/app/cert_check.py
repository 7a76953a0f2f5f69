"""The doctor's check of the certificate each local TLS port serves.

One row per TLS port of the server (``netcore.tls_probe.tls_endpoints``):
the certificate read there as a mail program would (after STARTTLS where the
protocol has it) must be valid for ``mail.hostname``, valid now, and not
within :data:`EXPIRY_WARNING_DAYS` of its end; a self-signed one is a
warning that gives the fingerprint staff compare. The rows join the doctor's
table through ``run_checks(..., extra=certificate_rows(config))``; their
sentences are in ``config.language`` (:mod:`pmemail.app.cert_wording`).
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from mailcore.certs.info import CertInfo
from pmemail.app.cert_wording import format_date, say
from pmemail.config.model import Config

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult, Status
    from netcore.checks.table import CheckRow, Shared
    from netcore.tls_probe import TlsEndpoint

EXPIRY_WARNING_DAYS = 14
DAY = 86400.0


def judge_certificate(
    endpoint: TlsEndpoint, info: CertInfo, hostname: str, now: float, language: str
) -> CheckResult:
    """The verdict on one served certificate: fail, warn (self-signed, expiring) or ok."""
    from netcore.checks.result import CheckResult

    date = format_date(info.not_after, language)
    problems: list[str] = []
    warnings: list[str] = []
    if now >= info.not_after:
        problems.append(say("check.expired", language, date=date))
    elif now < info.not_before:
        problems.append(say("check.not_yet", language, date=format_date(info.not_before, language)))
    if not info.covers(hostname):
        names = ", ".join(info.names) or info.subject or "-"
        problems.append(say("check.wrong_name", language, hostname=hostname, names=names))
    if info.self_signed:
        warnings.append(say("check.self_signed", language, fingerprint=info.fingerprint_sha256))
    left = info.not_after - now
    if 0 < left < EXPIRY_WARNING_DAYS * DAY:
        warnings.append(say("check.expires_soon", language, date=date, days=int(left // DAY)))
    status: Status = "fail" if problems else "warn" if warnings else "ok"
    if status == "ok":
        finding = say("check.ok", language, hostname=hostname, date=date, issuer=info.issuer)
    else:
        finding = "; ".join(problems + warnings)
    return CheckResult(
        f"certificate.{endpoint.name}",
        say("check.title", language, port=endpoint.port),
        status,
        finding,
        _details(endpoint, info),
        "" if status == "ok" else say("check.advice_served", language),
    )


def _details(endpoint: TlsEndpoint, info: CertInfo) -> dict[str, Any]:
    return {
        "port": endpoint.port,
        "starttls": endpoint.starttls,
        "subject": info.subject,
        "issuer": info.issuer,
        "names": list(info.names),
        "not_after": info.not_after,
        "fingerprint_sha256": info.fingerprint_sha256,
        "self_signed": info.self_signed,
    }


def check_endpoint(config: Config, endpoint: TlsEndpoint) -> CheckResult:
    """Read and judge the certificate of one port (blocking: a thread's job)."""
    from netcore.checks.result import CheckResult
    from netcore.tls_probe import probe_address, served_certificate

    language = config.language
    title = say("check.title", language, port=endpoint.port)
    cid = f"certificate.{endpoint.name}"
    details: dict[str, Any] = {"port": endpoint.port, "starttls": endpoint.starttls}
    hostname = config.mail.hostname
    try:
        der = served_certificate(
            probe_address(config),
            endpoint.port,
            endpoint.starttls,
            hostname,
            config.network.connect_timeout,
        )
    except ConnectionRefusedError:
        finding = say("check.closed", language, port=endpoint.port)
        return CheckResult(
            cid, title, "skipped", finding, details, say("check.advice_start", language)
        )
    except Exception as err:  # TlsProbeError, OSError, ssl.SSLError: what the port did
        error = str(err) or type(err).__name__
        finding = say("check.no_tls", language, port=endpoint.port, error=error)
        return CheckResult(cid, title, "fail", finding, details, "")
    try:
        info = CertInfo.from_der(der)
    except ValueError as err:
        finding = say("check.no_tls", language, port=endpoint.port, error=str(err))
        return CheckResult(cid, title, "fail", finding, details, "")
    return judge_certificate(endpoint, info, hostname, time.time(), language)


async def _row(endpoint: TlsEndpoint, shared: Shared) -> CheckResult:
    from netcore.checks.threads import in_thread

    return await in_thread(check_endpoint, shared.config, endpoint)


def certificate_rows(config: Config) -> list[CheckRow]:
    """One doctor row per TLS port of this machine's server (``certificate.<name>``)."""
    from netcore.checks.table import CheckRow
    from netcore.tls_probe import tls_endpoints

    return [
        CheckRow(
            f"certificate.{e.name}",
            say("check.title", config.language, port=e.port),
            functools.partial(_row, e),
        )
        for e in tls_endpoints(config)
    ]
