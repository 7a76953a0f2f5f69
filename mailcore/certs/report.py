"""The certificate status: the served certificate's facts joined with the renewal state.

One function, so ``pmemail cert status`` without a server (files on disk) and
the running server's ``certificates`` service give the same document.
"""

from __future__ import annotations

from typing import Literal

from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.status import CertificateStatus
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

Source = Literal["user", "acme", "self-signed"]


def certificate_status(
    info: CertInfo,
    source: Source,
    state: RenewalState,
    *,
    acme_enabled: bool,
    wanted_names: list[str],
) -> CertificateStatus:
    """The ``CertificateStatus`` document (``pmemail cert status --json``).

    Args:
        info: the certificate served now (the leaf).
        source: where it comes from: the admin's file, the ACME CA, or generated.
        state: the renewal state (``DataPaths.acme_state``).
        acme_enabled: ACME is on and applies (no admin certificate).
        wanted_names: the names an ACME certificate should cover now.
    """
    return {
        "source": source,
        "subject": info.subject,
        "issuer": info.issuer,
        "names": list(info.names),
        "not_before": info.not_before,
        "not_after": info.not_after,
        "fingerprint_sha256": info.fingerprint_sha256,
        "trusted": is_trusted(info, source),
        "acme_enabled": acme_enabled,
        "wanted_names": list(wanted_names),
        "last_attempt": state.last_attempt,
        "last_success": state.last_success,
        "next_attempt": state.next_attempt,
        "failures": state.failures,
        "last_failure": state.last_failure,
        "after_renew": state.after_renew,
    }


def is_trusted(info: CertInfo, source: Source) -> bool:
    """True for a CA-issued certificate: from ACME, or an admin's file that is not self-signed."""
    return source != "self-signed" and not info.self_signed


def served_status(
    config: Config, paths: DataPaths, info: CertInfo, source: Source
) -> CertificateStatus:
    """The status of ``info`` served from ``source``, with the renewal state on disk.

    The one recipe of the server's ``cert-status`` answer and of
    ``pmemail cert status`` without a server: ACME applies when enabled and no
    admin certificate is set; it should cover the host name and ``acme.extra_names``.
    """
    wanted: list[str] = []
    for name in (config.mail.hostname, *config.acme.extra_names):
        name = name.strip().lower().rstrip(".")
        if name and name not in wanted:
            wanted.append(name)
    return certificate_status(
        info,
        source,
        RenewalState.load(paths.acme_state),
        acme_enabled=config.acme.enabled and not config.mail.tls_cert,
        wanted_names=wanted,
    )
