"""First-run set-up: write the commented config file and the TLS certificate."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from pmemail.config import Config, DataPaths, save_config
from pmemail.fsutil import make_private_dir

# Internal ports for a server that runs without root: the router still
# forwards the standard external ports (25, 110, 143, 80, 443) to these.
UNPRIVILEGED_PORTS = {
    "smtp": 2525,
    "imap": 1143,
    "pop3": 1110,
    "webmail": 8080,
    "https": 8443,
}


@dataclass
class InitResult:
    """What ``write_initial_config`` created."""

    config: Config
    paths: DataPaths
    certificate: Path | None


def initial_config(
    domain: str | None = None,
    hostname: str | None = None,
    data_dir: str | None = None,
    unprivileged: bool = False,
) -> Config:
    """A default config adjusted with the admin's first answers."""
    config = Config()
    if domain:
        config.mail.domain = domain.strip().lower().rstrip(".")
        config.mail.hostname = f"mail.{config.mail.domain}"
    if hostname:
        config.mail.hostname = hostname.strip().lower().rstrip(".")
    if data_dir:
        config.data_dir = data_dir
    if unprivileged:
        for name, internal in UNPRIVILEGED_PORTS.items():
            mapping = getattr(config.ports, name)
            setattr(config.ports, name, dataclasses.replace(mapping, internal=internal))
        config.mail.submission_extra_ports = []
    return config


def write_initial_config(path: Path, **answers: str | bool | None) -> InitResult:
    """Write ``path`` (mode 0600: it may later hold passwords) and a certificate."""
    config = initial_config(**answers)  # type: ignore[arg-type]
    save_config(path, config)
    paths = DataPaths.from_config(config, path)
    make_private_dir(paths.root, tighten=True)
    cert = None
    if not config.mail.tls_cert:
        from mailcore.certs.selfsigned import ensure_self_signed  # cryptography: when writing

        cert, _key = ensure_self_signed(config, paths)
    if config.dkim.enabled:
        from pmemail.app.dns_publish import dkim_pairs  # cryptography: when writing

        dkim_pairs(config, paths, config.mail.domain)  # the first DKIM key
    return InitResult(config, paths, cert)
