"""The one TOML-to-dataclass walker: same wording for the config and the profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from netcore.profiles import ProfileError, parse_profile
from pmemail.config import ConfigError, config_from_dict
from pmemail.config.typed_fields import FieldError, build_dataclass, convert_value


@dataclass(frozen=True)
class Inner:
    """A nested table."""

    port: int = field(default=25, metadata={"min": 1, "max": 65535})


@dataclass(frozen=True)
class Outer:
    """A table with a required key, a choice, an optional table and a caller-given value."""

    ident: str
    name: str
    mode: Literal["a", "b"] = "a"
    inner: Inner | None = None
    tags: list[str] = field(default_factory=list)


def build(table: dict[str, object]) -> Outer:
    return build_dataclass(Outer, table, given={"ident": "x"})


def test_defaults_given_values_and_optional_table() -> None:
    """Missing keys take defaults, ``given`` fills the rest, ``X | None`` reads a table."""
    assert build({"name": "n"}) == Outer("x", "n")
    assert build({"name": "n", "inner": {}}).inner == Inner(25)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "name: missing"),
        ({"name": "n", "ident": "y"}, "ident: unknown key (known here: inner, mode, name, tags)"),
        ({"name": "n", "mode": "c"}, 'mode: expected one of "a" or "b", got "c"'),
        ({"name": "n", "inner": {"port": 0}}, "inner.port: expected an integer 1-65535, got 0"),
        ({"name": "n", "inner": 5}, "inner: expected a table, got 5"),
        ({"name": "n", "tags": ["a", True]}, "tags[1]: expected a string, got true"),
        ({"name": "a\x00b"}, "name: expected text without control characters"),
    ],
)
def test_one_wording_per_error(table: dict[str, object], message: str) -> None:
    """Each kind of mistake gives the key and what was expected."""
    with pytest.raises(FieldError) as info:
        build(table)
    assert str(info.value) == message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400])
def test_numbers_are_finite(value: object) -> None:
    """NaN, infinity and a 400-digit integer are refused, never a traceback."""
    with pytest.raises(FieldError, match=r"^t: expected a number 0-1, got "):
        convert_value("t", float, value, {"min": 0, "max": 1})


def test_config_and_profile_say_the_same_thing() -> None:
    """The same wrong integer reads identically in pmemail.toml and in a profile."""
    with pytest.raises(ConfigError) as config_error:
        config_from_dict({"relay": {"port": "587"}}, "pm.toml")
    group = {"verified": False, "source": ""}
    profile = {
        "name": "X",
        "kind": "isp",
        "upnp": group,
        "forwarding": group,
        "limits": group,
        "isp": {**group, "smarthost_port": "587"},
    }
    with pytest.raises(ProfileError) as profile_error:
        parse_profile("x", profile, "x.toml")
    assert str(config_error.value).split(": ", 2)[2] == 'expected an integer 1-65535, got "587"'
    assert str(profile_error.value).split(": ", 2)[2] == 'expected an integer, got "587"'
