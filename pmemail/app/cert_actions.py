"""The certificate's status and a renewal on demand (placeholder of branch ui).

Branch keeper owns this module; this minimal version has its signatures so
the wizard, the dashboard and the tests of branch ui can be written against
them. The integrator keeps keeper's version.
"""

from __future__ import annotations

from pathlib import Path

from mailcore.acme.state import RenewalState
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, certificate_status
from mailcore.status import CertificateStatus, narrow
from pmemail.app.action_result import ActionError
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync


def _served_file(config: Config, paths: DataPaths) -> tuple[Path, Source]:
    if config.mail.tls_cert:
        return Path(config.mail.tls_cert), "user"
    if paths.acme_cert.exists():
        return paths.acme_cert, "acme"
    return paths.tls_dir / "cert.pem", "self-signed"


def certificate_report(config: Config, paths: DataPaths) -> CertificateStatus:
    """The certificate status, computed from the files on disk.

    Raises:
        ActionError: no certificate file can be read.
    """
    path, source = _served_file(config, paths)
    try:
        info = CertInfo.from_pem(path.read_bytes())
    except (OSError, ValueError) as err:
        raise ActionError(f"cannot read the certificate {path}: {err}") from None
    acme = config.acme.enabled and not config.mail.tls_cert
    return certificate_status(
        info,
        source,
        RenewalState.load(paths.acme_state),
        acme_enabled=acme,
        wanted_names=[config.mail.hostname.lower()],
    )


def request_renewal(config: Config, paths: DataPaths, timeout: float) -> CertificateStatus:
    """Ask the running server for an attempt now; its status afterwards.

    Raises:
        ActionError: no server runs, or it refused.
    """
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "cert-renew"}, timeout)
    except NotRunning:
        raise ActionError("pmemail serve is not running") from None
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        raise ActionError(str(answer.get("error", "the server refused the renewal")))
    status = answer.get("certificate", answer)
    return narrow(status if isinstance(status, dict) else {}, CertificateStatus)
