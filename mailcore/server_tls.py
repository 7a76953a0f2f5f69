"""The servers' TLS context from the config, with one clear start-up error.

SMTP, IMAP, POP3 and the webmail all serve the same certificate: the one in
``mail.tls_cert``/``mail.tls_key``, else the self-signed one generated in
``data_dir/tls`` on first use. The composition root builds the context once
and hands it to every service, so an unusable certificate is one message.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from mailcore import tls
from mailcore.interfaces import ServiceStartError
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


def server_tls_context(config: Config, paths: DataPaths) -> ssl.SSLContext:
    """The server context: the configured certificate, else the generated one.

    Args:
        config: the loaded configuration (``mail.tls_cert``, ``mail.tls_key``,
            ``mail.hostname``).
        paths: the data dir (``tls_dir`` holds the generated certificate).

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
        raise ServiceStartError(f"TLS certificate unusable: {exc}") from None
