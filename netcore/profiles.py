"""Router and ISP profiles: typed, validated views of ``router_profiles/*.toml``.

A profile tells the admin how to do by hand what UPnP could not: where the
port-forwarding page is, how to enable UPnP, what the router refuses, and
(for ISP boxes) the ISP's facts: smarthost, port 25 blocking, fixed address.
Every fact group carries ``verified`` and ``source``: a fact is only
``verified = true`` when ``source`` names where it was checked.

Files are read through :func:`router_profiles.profile_files`, so they are
found after a wheel install too. Errors name the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any, Literal

import router_profiles
from netcore.checks.verdict_messages import Msg
from pmemail.config.typed_fields import FieldError, build_dataclass

Kind = Literal["router", "isp"]
YesNoUnknown = Literal["yes", "no", "unknown"]


class ProfileError(ValueError):
    """A profile file is missing, unreadable or does not follow the schema.

    ``str()`` is the English (logs, ``--json``); ``msg`` the same sentence as a
    message id for the front ends (the schema's details stay English data).
    """

    def __init__(self, msg: Msg) -> None:
        """``msg``: ``fwd.profile.unknown`` or ``fwd.profile.unusable``."""
        super().__init__(msg.english())
        self.msg = msg


def _unusable(origin: str, error: str) -> ProfileError:
    """The error for the profile file ``origin``, with the schema's ``error`` as data."""
    return ProfileError(Msg("fwd.profile.unusable", {"origin": origin, "error": error}))


@dataclass(frozen=True)
class Sourced:
    """Shared by every fact group: was it checked, and where."""

    verified: bool = False
    source: str = ""


@dataclass(frozen=True)
class UpnpFacts(Sourced):
    """How to turn UPnP port forwarding on."""

    how_to_enable: str = ""
    default_enabled: YesNoUnknown = "unknown"


@dataclass(frozen=True)
class ForwardingFacts(Sourced):
    """Where and how to add a port-forwarding rule by hand."""

    menu_path: str = ""
    steps: list[str] = field(default_factory=list)
    # French for an admin who chose French; "" / [] (an older or third-party
    # profile) falls back to the English above
    menu_path_fr: str = ""
    steps_fr: list[str] = field(default_factory=list)

    def menu_in(self, language: str) -> str:
        """``menu_path`` in ``language`` (English when the profile has no such text)."""
        return self.menu_path_fr if language == "fr" and self.menu_path_fr else self.menu_path

    def steps_in(self, language: str) -> list[str]:
        """``steps`` in ``language`` (English when the profile has no such text)."""
        return list(self.steps_fr if language == "fr" and self.steps_fr else self.steps)


@dataclass(frozen=True)
class LimitsFacts(Sourced):
    """What the router refuses or calls by another name."""

    low_ports: str = ""
    secure_mode: str = ""
    dmz_wording: str = ""


@dataclass(frozen=True)
class IspFacts(Sourced):
    """Facts about the subscription of an ISP profile."""

    smarthost_host: str = ""
    smarthost_port: int = 0
    smarthost_auth: Literal["none", "password", "unknown"] = "unknown"
    blocks_port_25: YesNoUnknown = "unknown"
    fixed_ip_needs_pro_plan: YesNoUnknown = "unknown"
    # the domain whose SPF record lists the relay's addresses ("include:" it); "" = unknown
    spf_include: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RouterProfile:
    """One router family or ISP box."""

    id: str
    name: str
    kind: Kind
    upnp: UpnpFacts
    forwarding: ForwardingFacts
    limits: LimitsFacts
    isp: IspFacts | None = None
    router: str = ""  # the ISP's usual box, as a router profile id (informative)


_GROUPS = ("upnp", "forwarding", "limits", "isp")


def parse_profile(profile_id: str, data: dict[str, Any], origin: str) -> RouterProfile:
    """Validate parsed TOML ``data``; errors are prefixed with ``origin``.

    Values are checked by the config file's walker, so a wrong value reads
    the same in a profile as in ``pmemail.toml``.

    Raises:
        ProfileError: a key is unknown, missing or of the wrong type.
    """
    try:
        profile = build_dataclass(RouterProfile, data, given={"id": profile_id})
    except FieldError as err:
        raise _unusable(origin, str(err)) from None
    if profile.kind == "isp" and profile.isp is None:
        raise _unusable(origin, 'kind = "isp" needs an [isp] table')
    for key in _GROUPS:
        _check_sourced(origin, key, data.get(key), getattr(profile, key))
    if not profile.name.strip():
        raise _unusable(origin, "name: must not be empty")
    return profile


def _check_sourced(origin: str, key: str, table: Any, group: Sourced | None) -> None:
    """A fact group says whether it was verified, and a verified one says where."""
    if group is None:
        return
    for required in ("verified", "source"):
        if required not in table:
            raise _unusable(
                origin,
                f"{key}.{required}: missing (every fact group says whether it was verified "
                "and where)",
            )
    if group.verified and not group.source.strip():
        raise _unusable(origin, f"{key}.source: a verified fact needs a source")


def parse_profile_text(profile_id: str, text: str, origin: str) -> RouterProfile:
    """Parse and validate one profile file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _unusable(origin, f"not valid TOML: {exc}") from None
    return parse_profile(profile_id, data, origin)


def all_profiles() -> dict[str, RouterProfile]:
    """Every shipped profile by id (the file name without ``.toml``)."""
    result = {}
    for item in router_profiles.profile_files():
        profile_id = item.name.removesuffix(".toml")
        origin = f"router_profiles/{item.name}"
        try:
            text = item.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _unusable(origin, f"cannot read: {exc}") from None
        result[profile_id] = parse_profile_text(profile_id, text, origin)
    return result


def load_profile(name: str) -> RouterProfile:
    """The profile ``name`` (file name without ``.toml``).

    Raises:
        ProfileError: no such profile (the message lists the known ones).
    """
    profiles = all_profiles()
    if name not in profiles:
        known = ", ".join(sorted(profiles))
        raise ProfileError(Msg("fwd.profile.unknown", {"name": repr(name), "known": known}))
    return profiles[name]


GENERIC_PROFILE = "generic-miniupnpd"
"""Used for manual steps when the config names no router profile."""
