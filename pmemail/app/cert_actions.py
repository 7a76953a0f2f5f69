"""The certificate status and a renewal request, for the CLI, the wizard and the dashboard.

The running server knows best (what its listeners serve right now), so it is
asked first; without one, the same document is computed from the files the
server would choose at its next start. The self-signed certificate is
(re)generated then only by the data dir's owner: a ``pmemail cert status``
run as root must not create files the server's account cannot replace.
"""

from __future__ import annotations

import os
from pathlib import Path

from mailcore.certs.keeper import choose_certificate
from mailcore.certs.report import served_status
from mailcore.interfaces import ServiceStartError
from mailcore.status import CertificateStatus, narrow
from pmemail.app.action_result import ActionError
from pmemail.app.cert_wording import say
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync

STATUS_TIMEOUT = 5.0


def _certificate(answer: dict[str, object]) -> CertificateStatus | None:
    """The answer's status document, None unless every key has its declared type."""
    document = answer.get("certificate")
    if not isinstance(document, dict):
        return None
    status = narrow(document, CertificateStatus)
    if CertificateStatus.__required_keys__ - status.keys():
        return None  # another version's document: never half a status
    return status


def certificate_report(
    config: Config, paths: DataPaths, *, generate: bool = True
) -> CertificateStatus:
    """The certificate served (the running server's answer, else from the files).

    Args:
        config: the loaded configuration.
        paths: the data dir.
        generate: without a server, make the self-signed certificate when it is
            missing or its names are out of date (only as the data dir's owner);
            False for views that only read (the dashboard).

    Raises:
        ActionError: no server runs and no certificate can be read (the
            admin's file is unusable, or none was generated yet).
    """
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "cert-status"}, STATUS_TIMEOUT)
    except ControlError:  # not running, or unreachable: the files tell the same
        answer = {}
    status = _certificate(answer) if answer.get("ok") else None
    if status is not None:
        return status
    owner = generate and _owns(paths.tls_dir)
    try:
        chosen = choose_certificate(config, paths, generate=owner)
    except ServiceStartError as err:
        hint = "" if owner else " " + say("hint.next_start", config.language)
        raise ActionError(f"{err}{hint}") from None
    return served_status(config, paths, chosen.info, chosen.source)


def _owns(folder: Path) -> bool:
    """True when this process owns ``folder`` (or its nearest existing parent)."""
    for candidate in (folder, *folder.parents):
        try:
            return candidate.stat().st_uid == os.geteuid()
        except FileNotFoundError:
            continue
        except OSError:  # a folder we may not even look into is not ours to write
            return False
    return False


def request_renewal(config: Config, paths: DataPaths, timeout: float) -> CertificateStatus:
    """Ask the running server for a renewal attempt now and return its outcome.

    When none can be made (ACME off, the admin's certificate), the status's
    ``last_failure`` says why (``acme_off``, ``user_certificate``).

    Args:
        config: the loaded configuration.
        paths: the data dir (the control socket).
        timeout: seconds to wait for the attempt (``acme.timeout`` and a margin).

    Raises:
        NotRunning: no server runs (as ``pmemail status`` reports it).
        ActionError: the server could not be asked or gave no certificate.
    """
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "cert-renew"}, timeout)
    except NotRunning:
        raise
    except ControlError as err:
        raise ActionError(str(err)) from None
    status = _certificate(answer)
    if status is None:
        error = answer.get("error")
        raise ActionError(str(error) if error else say("error.no_status", config.language))
    return status
