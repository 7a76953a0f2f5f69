"""Where HTTPS is (``pmemail.config.https``) and the webmail address handed to staff."""

from __future__ import annotations

import dataclasses

from pmemail.app.client_settings import settings_for
from pmemail.config import Config
from pmemail.config.https import (
    https_enabled,
    https_internal_port,
    https_public_port,
    webmail_url,
)


def test_https_by_default() -> None:
    """A fresh config serves HTTPS on 443 and staff get an https:// address."""
    config = Config()
    assert https_enabled(config) and https_internal_port(config) == 443
    assert settings_for(config, "marie@example.be", "imap").webmail_url == (
        "https://mail.example.be/"
    )


def test_external_port_and_https_off() -> None:
    """A non-443 external port is named; with HTTPS off the address is http:// on port 80."""
    config = Config()
    config.ports.https = dataclasses.replace(config.ports.https, external=8443, internal=8443)
    assert webmail_url(config) == "https://mail.example.be:8443/"
    config.ports.https = dataclasses.replace(config.ports.https, enabled=False)
    assert not https_enabled(config)
    assert webmail_url(config) == "http://mail.example.be/"


def test_legacy_https_port() -> None:
    """Old files: a non-zero server.https_port turns HTTPS on and names its port."""
    config = Config()
    config.server.https_port = 4443
    assert https_internal_port(config) == 4443 and https_public_port(config) == 443
    config.ports.https = dataclasses.replace(config.ports.https, enabled=False)
    assert https_enabled(config) and https_public_port(config) == 4443
    assert webmail_url(config) == "https://mail.example.be:4443/"
