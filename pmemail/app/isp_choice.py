"""The ISP and router the admin picks in the wizard, and what the choice feeds.

The choices are the shipped profiles (``router_profiles/``): ISP profiles
for the subscription, router profiles for the box, "other" always possible
(an empty name: the generic profile applies). What the router says of
itself over UPnP (manufacturer, model, friendly name) suggests a choice.
The ISP profile gives the relay's defaults (host, port, security); the
saved names feed the manual forwarding steps and the doctor's advice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from netcore.profiles import all_profiles, load_profile
from pmemail.config.dyndns import DyndnsProvider
from pmemail.config.model import Config, TlsMode

FixedIp = Literal["yes", "no", "unknown"]

# Words a router's UPnP description carries (lower-cased) → profile id.
# ISP boxes first: a Sagemcom box says little, "livebox" says Orange.
_HINTS: tuple[tuple[str, str], ...] = (
    ("livebox", "orange-livebox"),
    ("freebox", "freebox"),
    ("bbox", "bouygues"),
    ("bouygues", "bouygues"),
    ("neufbox", "sfr"),
    ("sfr", "sfr"),
    ("proximus", "proximus"),
    ("b-box", "proximus"),
    ("internet box", "proximus"),
    ("telenet", "telenet"),
    ("voo", "voo"),
    ("scarlet", "scarlet"),
    ("fritz", "fritzbox"),
    ("avm", "fritzbox"),
    ("tp-link", "tp-link"),
    ("tplink", "tp-link"),
    ("netgear", "netgear"),
    ("miniupnp", "generic-miniupnpd"),
)


@dataclass(frozen=True)
class Choices:
    """The profiles to pick from, as (id, name) pairs sorted by name."""

    isps: list[tuple[str, str]]
    routers: list[tuple[str, str]]


def choices() -> Choices:
    """Every shipped ISP and router profile."""
    profiles = all_profiles().values()
    isps = sorted(((p.id, p.name) for p in profiles if p.kind == "isp"), key=lambda x: x[1])
    routers = sorted(((p.id, p.name) for p in profiles if p.kind == "router"), key=lambda x: x[1])
    return Choices(isps, routers)


def detect(*described: str) -> tuple[str, str]:
    """(ISP id, router id) the router's own description suggests; "" where it says nothing.

    Args:
        described: what UPnP gave: manufacturer, model, friendly name.
    """
    text = " ".join(described).lower()
    kinds = {p.id: p.kind for p in all_profiles().values()}
    isp = router = ""
    for word, profile in _HINTS:
        if word in text and profile in kinds:
            if kinds[profile] == "isp" and not isp:
                isp = profile
            elif kinds[profile] == "router" and not router:
                router = profile
    return isp, router


def relay_defaults(isp_profile: str) -> tuple[str, int, TlsMode] | None:
    """The ISP's relay as (host, port, security), or None without an ISP profile.

    Port 465 speaks TLS from the start, 587 upgrades with STARTTLS; a relay on
    port 25 without a login is reached as the ISP's customer: "none" (no
    password then goes over the line).
    """
    if not isp_profile:
        return None
    isp = load_profile(isp_profile).isp
    if isp is None or not isp.smarthost_host:
        return None
    port = isp.smarthost_port
    tls: TlsMode = "tls" if port == 465 else "starttls" if port == 587 else "none"
    return isp.smarthost_host, port, tls


def apply_choice(config: Config, isp_profile: str, router_profile: str, fixed_ip: str) -> Config:
    """``config`` with the admin's answers (``isp.*``).

    The relay is not set here: a relay host makes ``relay.mode = "auto"``
    always use it, so the outbound step only offers :func:`relay_defaults`.
    """
    fixed: FixedIp = "yes" if fixed_ip == "yes" else "no" if fixed_ip == "no" else "unknown"
    isp = dataclasses.replace(
        config.isp, profile=isp_profile, router_profile=router_profile, fixed_ip=fixed
    )
    return dataclasses.replace(config, isp=isp)


WIZARD_DYNDNS: tuple[tuple[DyndnsProvider, str], ...] = (
    ("dyndns2", "DynDNS"),
    ("noip", "No-IP"),
    ("ovh", "OVH"),
    ("infomaniak", "Infomaniak"),
    ("duckdns", "Duck DNS"),
)
"""The dynamic DNS providers the wizard offers (id, name); ``custom`` needs a server URL
and is set in the config file."""


def apply_dyndns(
    config: Config, provider: str, hostname: str, username: str, password: str
) -> Config:
    """``config`` with the wizard's dynamic DNS answers (``dyndns.*``).

    An empty ``provider`` ("none") leaves ``[dyndns]`` as it is; an empty
    password keeps the saved one (the field is never filled back in). Duck
    DNS has no user name: only its token, in ``password``.
    """
    chosen = next((p for p, _name in WIZARD_DYNDNS if p == provider), None)
    if chosen is None:
        return config
    dyndns = dataclasses.replace(
        config.dyndns,
        provider=chosen,
        hostname=hostname.strip(),
        username="" if chosen == "duckdns" else username.strip(),
        password=password or config.dyndns.password,
    )
    return dataclasses.replace(config, dyndns=dyndns)
