"""The servers' TLS context from the config, with one clear start-up error.

SMTP, IMAP, POP3 and the webmail all serve the same certificate: the one in
``mail.tls_cert``/``mail.tls_key``, else the self-signed one generated in
``data_dir/tls`` on first use.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from mailcore import tls
from mailcore.interfaces import ServiceStartError
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


def server_tls_context(config: Config, paths: DataPaths, failure: str) -> ssl.SSLContext:
    """The server context: the configured certificate, else the generated one.

    Args:
        config: the loaded configuration (``mail.tls_cert``, ``mail.tls_key``,
            ``mail.hostname``).
        paths: the data dir (``tls_dir`` holds the generated certificate).
        failure: the start of the error message, e.g. ``"POP3 TLS certificate
            unusable"`` (the reason follows after a colon).

    Raises:
        ServiceStartError: the certificate cannot be loaded or generated.
    """
    try:
        if config.mail.tls_cert:
            cert = Path(config.mail.tls_cert).expanduser()
            key = Path(config.mail.tls_key or config.mail.tls_cert).expanduser()
        else:
            cert, key = tls.ensure_certificate(paths.tls_dir, config.mail.hostname)
        return tls.server_context(cert, key)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ServiceStartError(f"{failure}: {exc}") from None
