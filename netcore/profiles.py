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
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Literal, get_args, get_origin

import router_profiles

Kind = Literal["router", "isp"]
YesNoUnknown = Literal["yes", "no", "unknown"]


class ProfileError(ValueError):
    """A profile file is missing, unreadable or does not follow the schema."""


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


_GROUPS: dict[str, type[Sourced]] = {
    "upnp": UpnpFacts,
    "forwarding": ForwardingFacts,
    "limits": LimitsFacts,
    "isp": IspFacts,
}


def parse_profile(profile_id: str, data: dict[str, Any], origin: str) -> RouterProfile:
    """Validate parsed TOML ``data``; errors are prefixed with ``origin``.

    Raises:
        ProfileError: a key is unknown, missing or of the wrong type.
    """
    top = {"name", "kind", "router", *_GROUPS}
    for key in data:
        if key not in top:
            raise ProfileError(f"{origin}: unknown key {key!r}")
    for key in ("name", "kind", "upnp", "forwarding", "limits"):
        if key not in data:
            raise ProfileError(f"{origin}: missing key {key!r}")
    name = _check(origin, "name", data["name"], str)
    kind = _check(origin, "kind", data["kind"], Kind)
    if kind == "isp" and "isp" not in data:
        raise ProfileError(f'{origin}: kind = "isp" needs an [isp] table')
    groups = {
        key: _group(origin, key, data[key], cls) for key, cls in _GROUPS.items() if key in data
    }
    if not name.strip():
        raise ProfileError(f"{origin}: name: must not be empty")
    return RouterProfile(
        id=profile_id,
        name=name,
        kind=kind,
        router=_check(origin, "router", data.get("router", ""), str),
        upnp=typing.cast(UpnpFacts, groups["upnp"]),
        forwarding=typing.cast(ForwardingFacts, groups["forwarding"]),
        limits=typing.cast(LimitsFacts, groups["limits"]),
        isp=typing.cast(IspFacts | None, groups.get("isp")),
    )


def _group(origin: str, key: str, value: Any, cls: type[Sourced]) -> Sourced:
    if not isinstance(value, dict):
        raise ProfileError(f"{origin}: {key}: expected a table [{key}]")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for sub in value:
        if sub not in known:
            raise ProfileError(f"{origin}: {key}.{sub}: unknown key")
    for required in ("verified", "source"):
        if required not in value:
            raise ProfileError(
                f"{origin}: {key}.{required}: missing (every fact group "
                "says whether it was verified and where)"
            )
    values = {sub: _check(origin, f"{key}.{sub}", v, hints[sub]) for sub, v in value.items()}
    if values["verified"] and not str(values["source"]).strip():
        raise ProfileError(f"{origin}: {key}.source: a verified fact needs a source")
    for f in known.values():
        if f.name not in values and f.default is MISSING and f.default_factory is MISSING:
            raise ProfileError(f"{origin}: {key}.{f.name}: missing")
    return cls(**values)


def _check(origin: str, key: str, value: Any, hint: Any) -> Any:
    """``value`` if it matches the type ``hint``, else a ProfileError."""
    origin_type = get_origin(hint)
    if origin_type is Literal:
        choices = get_args(hint)
        if value not in choices:
            raise ProfileError(
                f"{origin}: {key}: {value!r} is not one of " + ", ".join(repr(c) for c in choices)
            )
        return value
    if origin_type is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{origin}: {key}: expected a list of strings")
        return list(value)
    if origin_type in (typing.Union, types.UnionType):
        return _check(origin, key, value, get_args(hint)[0])
    # bool is a subclass of int in Python: refuse true where a number is expected
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ProfileError(f"{origin}: {key}: expected a whole number, got {value!r}")
    if not isinstance(value, hint):
        raise ProfileError(
            f"{origin}: {key}: expected {hint.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


def parse_profile_text(profile_id: str, text: str, origin: str) -> RouterProfile:
    """Parse and validate one profile file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{origin}: not valid TOML: {exc}") from None
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
            raise ProfileError(f"{origin}: cannot read: {exc}") from None
        result[profile_id] = parse_profile_text(profile_id, text, origin)
    return result


def load_profile(name: str) -> RouterProfile:
    """The profile ``name`` (file name without ``.toml``).

    Raises:
        ProfileError: no such profile (the message lists the known ones).
    """
    profiles = all_profiles()
    if name not in profiles:
        raise ProfileError(f"no router profile {name!r}; known: {', '.join(sorted(profiles))}")
    return profiles[name]


GENERIC_PROFILE = "generic-miniupnpd"
"""Used for manual steps when the config names no router profile."""
