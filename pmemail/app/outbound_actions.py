"""How outbound mail leaves: the smarthost settings typed by the admin, and trying them.

Trying is blocking (smtplib): call :func:`probe_relay` and :func:`send_sample`
from a worker thread. They answer with the relay client's own
:class:`~mailcore.queue.relay.Outcome` (never an exception); the screen
words it. The relay client and the test message are
:mod:`mailcore.queue.relay` and :mod:`mailcore.queue.sample_send`, imported
when first used.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pmemail.config.model import Config, RelayConfig, TlsMode
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from mailcore.queue.relay import Outcome

TLS_MODES: tuple[TlsMode, ...] = ("starttls", "tls", "none")
DEFAULT_PORT = 587  # submission: what ISP smarthosts listen on


class BadPort(ValueError):
    """The relay port typed is not a port number (the text typed is ``args[0]``)."""


def smarthost_settings(
    current: RelayConfig, host: str, port: str, tls: str, username: str, password: str
) -> RelayConfig:
    """``current`` with the smarthost typed in a form.

    No host means "no smarthost" (``mode = auto``: direct to the MX), and
    a port that is no number then means 587; an unknown TLS mode means
    STARTTLS. The password is kept as typed (spaces may belong to it).

    Raises:
        BadPort: a host is given and the port is not 1-65535 (empty: "0").
    """
    host = host.strip()
    port_text = port.strip() or "0"
    number = int(port_text) if port_text.isdigit() else 0
    if host and not 1 <= number <= 65535:
        raise BadPort(port_text)
    return dataclasses.replace(
        current,
        host=host,
        port=number or DEFAULT_PORT,
        tls=next((mode for mode in TLS_MODES if mode == tls), "starttls"),
        username=username.strip(),
        password=password,
        mode="smarthost" if host else "auto",
    )


def valid_recipient(address: str) -> bool:
    """Whether ``address`` can be given to the relay as a test recipient."""
    return "@" in address and " " not in address


def probe_relay(config: Config, relay: RelayConfig) -> Outcome:
    """Connect to ``relay``'s smarthost, secure the line and log in, then quit."""
    from mailcore.queue.relay import RelayClient

    return RelayClient.from_config(dataclasses.replace(config, relay=relay)).probe()


def send_sample(config: Config, paths: DataPaths, relay: RelayConfig, recipient: str) -> Outcome:
    """Send a real test message to ``recipient`` through ``relay`` (or to its MX when unset)."""
    from mailcore.dkim.signer import DkimSigner
    from mailcore.queue.sample_send import send_test_message
    from pmemail.app.dns_publish import dkim_keys, mail_domains

    signer = None
    if config.dkim.enabled:
        signer = DkimSigner(dkim_keys(config, paths), mail_domains(config))
    return send_test_message(
        dataclasses.replace(config, relay=relay), paths.root / "spool", recipient, signer
    )
