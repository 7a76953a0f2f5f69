"""The ``[dyndns]`` table: keep the mail host name's A record on a dynamic address.

Kept out of ``model`` (which stays one screenful per table) like ``backup``;
the loader and the writer walk it like every other table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pmemail.config.fields import doc

DyndnsProvider = Literal["dyndns2", "duckdns", "noip", "ovh", "infomaniak", "custom"]
DyndnsEnabled = Literal["auto", "yes", "no"]


@dataclass
class DyndnsConfig:
    """Dynamic DNS: `pmemail serve` updates the host name's A record when the address changes."""

    enabled: DyndnsEnabled = doc(
        'auto = only when the address is dynamic (isp.fixed_ip = "no" or a change was '
        "seen); yes = always; no = never.",
        "auto",
    )
    provider: DyndnsProvider = doc(
        "dyndns2 (DynDNS), noip, ovh, infomaniak, duckdns, or custom (any dyndns2 "
        "server, named in dyndns.server).",
        "dyndns2",
    )
    server: str = doc(
        "Base URL of the update server, e.g. https://dyndns.example; empty = the provider's.",
        "",
    )
    hostname: str = doc(
        "Name whose A record is updated; empty = mail.hostname. Duck DNS updates only its "
        "own names (office.duckdns.org): point mail.hostname at it with a CNAME.",
        "",
    )
    username: str = doc("Login at the provider (unused by Duck DNS).", "")
    password: str = doc("Password at the provider; for Duck DNS, the token.", "")
    interval: float = doc(
        "Seconds between looks at the public address (an update is sent only on a change).",
        300.0,
        lo=0.05,
        hi=86400,
    )
    retry: float = doc(
        "Seconds before retrying after a failed update, doubled at each failure up to an "
        "hour (a provider's 911 or dnserr waits at least 30 minutes).",
        300.0,
        lo=0,
        hi=86400,
    )
    timeout: float = doc("Seconds for one update request.", 20.0, lo=0.05, hi=300)
    ca_file: str = doc(
        "PEM CA bundle to verify the update server's certificate; empty = the system's.", ""
    )
