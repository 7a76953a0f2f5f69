"""What ``[dyndns]`` asks for, resolved, and whether updates are wanted now."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from netcore.checks.verdict_messages import Msg
from netcore.dyndns.protocol import DEFAULT_SERVERS
from netcore.ip_history import IpHistory
from netcore.ip_kind import ip_kind_verdict
from pmemail.config.model import Config

Reason = Literal["", "disabled", "not_dynamic", "not_configured"]
"""Why no update is wanted ("" = it is)."""


@dataclass(frozen=True)
class DyndnsSettings:
    """The ``[dyndns]`` table with its defaults filled in (host name, server)."""

    provider: str
    server: str
    hostname: str
    username: str
    password: str
    retry: float
    timeout: float
    ca_file: str = ""

    @classmethod
    def from_config(cls, config: Config) -> DyndnsSettings:
        """Empty ``hostname`` = ``mail.hostname``; empty ``server`` = the provider's."""
        d = config.dyndns
        return cls(
            provider=d.provider,
            server=d.server or DEFAULT_SERVERS.get(d.provider, ""),
            hostname=(d.hostname or config.mail.hostname).strip().rstrip("."),
            username=d.username,
            password=d.password,
            retry=d.retry,
            timeout=d.timeout,
            ca_file=d.ca_file,
        )

    @property
    def complete(self) -> bool:
        """Enough to send an update: a server, a name and the provider's credentials."""
        if not (self.server and self.hostname):
            return False
        if self.provider == "duckdns":
            return bool(self.password)  # the token
        return bool(self.username)

    def fingerprint(self) -> str:
        """Changes whenever a setting an answer depends on changes (a "stop" is lifted).

        A hash, so the state file never holds the password.
        """
        parts = (self.provider, self.server, self.hostname, self.username, self.password)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def not_wanted_reason(config: Config, history: IpHistory) -> Reason:
    """Why ``pmemail serve`` should not update the record now ("" = it should).

    ``dyndns.enabled = "auto"`` follows the fixed-or-dynamic verdict: the
    admin's ``isp.fixed_ip = "no"`` or a change seen in the IP history.
    """
    if config.dyndns.enabled == "no":
        return "disabled"
    if config.dyndns.enabled == "auto":
        verdict = ip_kind_verdict(
            changes=history.changes(),
            observations=0,
            span_s=0.0,
            admin=config.isp.fixed_ip,
            profile_fixed=None,
            rdns=("none", Msg("ipk.rdns.none")),  # the verdict needs no DNS lookup here
        )
        if verdict.kind != "dynamic":
            return "not_dynamic"
    if not DyndnsSettings.from_config(config).complete:
        return "not_configured"
    return ""
