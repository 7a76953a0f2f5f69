"""Where HTTPS is: ``ports.https`` and the legacy ``server.https_port``, read in one place.

Old files turned HTTPS on with a non-zero ``server.https_port``; it still
does, and names the port the webmail listens on (it overrides
``ports.https.internal``). The webmail, the port plan and the local port
checks all ask here, so they never disagree.
"""

from __future__ import annotations

from pmemail.config.model import Config


def https_enabled(config: Config) -> bool:
    """True when the webmail is served over HTTPS (the default)."""
    return config.ports.https.enabled or config.server.https_port != 0


def https_internal_port(config: Config) -> int:
    """The port the HTTPS listener binds (0 = ephemeral, in tests)."""
    return config.server.https_port or config.ports.https.internal


def https_public_port(config: Config) -> int:
    """The HTTPS port as the internet sees it: ``ports.https.external``, or the legacy
    port when only ``server.https_port`` turns HTTPS on (nothing forwards it then)."""
    if config.ports.https.enabled or not config.server.https_port:
        return config.ports.https.external
    return config.server.https_port


def origin(scheme: str, hostname: str, port: int) -> str:
    """``scheme://hostname`` with ``:port`` unless it is the scheme's default."""
    default = {"https": 443, "http": 80}[scheme]
    return f"{scheme}://{hostname}" + ("" if port == default else f":{port}")


def webmail_url(config: Config) -> str:
    """The address staff type: ``https://<hostname>[:port]/``, ``http://`` with HTTPS off."""
    host = config.mail.hostname
    if https_enabled(config):
        return origin("https", host, https_public_port(config)) + "/"
    return origin("http", host, config.ports.webmail.external) + "/"
