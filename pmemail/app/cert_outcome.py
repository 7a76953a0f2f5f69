"""The certificate for the wizard and the dashboard: read it, renew it, say the outcome.

UI-free use cases around ``pmemail.app.cert_actions``: the screens call
them from their workers and only render what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mailcore.status import CertificateStatus, narrow
from pmemail.app.action_result import ActionError, ActionResult
from pmemail.app.cert_wording import certificate_lines, say
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

CERTIFICATES_SERVICE = "certificates"  # the renewal service's name in pmemail status
CONTROL_MARGIN = 10.0
"""Seconds on top of ``acme.timeout`` for a renewal request: the server's own
attempt is bounded by ``acme.timeout``, the control socket's round trip is not."""


def renewal_timeout(config: Config) -> float:
    """How long a renewal request may wait for the server's answer."""
    return config.acme.timeout + CONTROL_MARGIN


def served_status(services: Iterable[Mapping[str, object]]) -> CertificateStatus | None:
    """The ``certificates`` entry of the running server's status, or None when it has none."""
    for service in services:
        if service.get("name") == CERTIFICATES_SERVICE:
            status = narrow(service, CertificateStatus)
            return status if "fingerprint_sha256" in status else None
    return None


def read_certificate(config: Config, paths: DataPaths) -> CertificateStatus | None:
    """The certificate served now (from the server or the files); None when there is none yet.

    Blocking (a local socket, files): call it from a worker.
    """
    from pmemail.app.cert_actions import certificate_report

    try:
        return certificate_report(config, paths, generate=False)
    except (ActionError, OSError, ValueError):
        return None  # no certificate yet: the server makes one when it first starts


def wants_acme(config: Config) -> bool:
    """Whether the server asks a CA for a certificate (ACME on, no admin certificate)."""
    return config.acme.enabled and not config.mail.tls_cert


def obtain_certificate(config: Config, paths: DataPaths) -> CertificateStatus:
    """An attempt now when ACME applies, else the status as it is (blocking: a worker's job).

    Raises:
        ActionError: no server runs, or it refused.
    """
    from pmemail.app.cert_actions import certificate_report, request_renewal
    from pmemail.serve.control import NotRunning

    if wants_acme(config):
        try:
            return request_renewal(config, paths, renewal_timeout(config))
        except NotRunning:
            raise ActionError(say("server.not_running", config.language)) from None
    return certificate_report(config, paths)


def outcome(status: CertificateStatus, language: str) -> ActionResult:
    """What an attempt gave: a headline, the certificate's lines; ``ok`` when trusted."""
    trusted = bool(status.get("trusted"))
    if trusted:
        headline = say("outcome.trusted", language, issuer=status.get("issuer", "?"))
    elif status.get("source") == "user":
        headline = say("outcome.user", language)
    else:
        headline = say("outcome.self_signed", language)
    return ActionResult(headline, certificate_lines(status, language), ok=trusted)


def renew_certificate(config: Config, paths: DataPaths, language: str) -> ActionResult:
    """The dashboard's "Renew certificate": an attempt now, its outcome in words.

    Raises:
        ActionError: no server runs, or it refused.
    """
    return outcome(obtain_certificate(config, paths), language)
