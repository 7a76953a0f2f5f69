"""Load a TOML file into the typed :class:`~pmemail.config.model.Config`.

Every problem becomes one :class:`ConfigError` naming the file, the dotted key
and what was expected, e.g. ``ports.smtp: expected an integer 1-65535, got
"25a"``. The walker is generic over the dataclasses in ``model``, so adding a
key there is enough for it to be loaded, validated and documented.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from pmemail.config.model import Config, PortMapping

T = TypeVar("T")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ConfigError(Exception):
    """A configuration file that cannot be used, with a one-line reason."""

    def __init__(self, path: Path | str | None, key: str, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.key = key
        self.message = message
        where = f"{self.path}: " if self.path else ""
        keypart = f"{key}: " if key else ""
        super().__init__(f"{where}{keypart}{message}")


SHOW_MAX = 60  # a 1 MB bad value must not become a 1 MB "one line" error


def _show(value: Any) -> str:
    """Render a bad value the way the user wrote it (strings quoted, long ones cut)."""
    if isinstance(value, str):
        if len(value) > SHOW_MAX:
            return f'"{value[:SHOW_MAX]}..." ({len(value)} characters)'
        return f'"{value}"'
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOW_MAX:
        return "a huge integer"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _number(bound: float) -> str:
    """A bound as written by a person: 1099511627776, not 1.09951e+12."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _bounds(meta: typing.Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f" {_number(lo)}-{_number(hi)}"
    if lo is not None:
        return f" >= {_number(lo)}"
    return ""


def _check_range(key: str, value: float, meta: typing.Mapping[str, Any], what: str) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if isinstance(value, float) and not math.isfinite(value):
        # nan passes every comparison below; inf would mean "never" for a timeout
        raise ConfigError(None, key, f"expected {what}{_bounds(meta)}, got {_show(value)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(None, key, f"expected {what}{_bounds(meta)}, got {_show(value)}")


def _convert(
    key: str, hint: Any, value: Any, meta: typing.Mapping[str, Any], base: Any = None
) -> Any:
    """Convert one TOML value to the field's type, or raise ConfigError.

    ``base`` is the field's default: a partial table such as
    ``[ports.remote_desktop] internal_host = ...`` keeps that entry's other
    defaults (external 20800), not those of a bare ``PortMapping()``.
    """
    origin = get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(None, key, f"expected true or false, got {_show(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(None, key, f"expected an integer{_bounds(meta)}, got {_show(value)}")
        _check_range(key, value, meta, "an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(None, key, f"expected a number{_bounds(meta)}, got {_show(value)}")
        try:
            number = float(value)
        except OverflowError:
            raise ConfigError(
                None, key, f"expected a number{_bounds(meta)}, got a huge integer"
            ) from None
        _check_range(key, number, meta, "a number")
        return number
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(None, key, f"expected a string, got {_show(value)}")
        if not key.endswith("password") and CONTROL_CHARS.search(value):
            # a NUL in data_dir would only fail later, deep in os.mkdir
            raise ConfigError(None, key, "expected text without control characters")
        return value
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices:
            names = " or ".join(f'"{c}"' for c in choices)
            raise ConfigError(None, key, f"expected one of {names}, got {_show(value)}")
        return value
    if origin is list:
        (item,) = get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(None, key, f"expected a list, got {_show(value)}")
        return [_convert(f"{key}[{i}]", item, v, meta) for i, v in enumerate(value)]
    if hint is PortMapping and not isinstance(value, dict):
        # Shorthand `smtp = 25`: the same port outside and inside.
        number = _convert(key, int, value, {"min": 1, "max": 65535})
        return dataclasses.replace(base or PortMapping(), external=number, internal=number)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise ConfigError(None, key, f"expected a table, got {_show(value)}")
        return _build(hint, value, key, base)
    raise TypeError(f"unsupported config type {hint!r} for {key}")  # a bug in model.py


def _build(cls: type[T], table: dict[str, Any], prefix: str, base: Any = None) -> T:
    """Build dataclass ``cls`` from a TOML table, ``base`` (or defaults) for missing keys."""
    hints = typing.get_type_hints(cls, include_extras=False)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(fields))
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        known = ", ".join(sorted(fields))
        raise ConfigError(None, key, f"unknown key (known here: {known})")
    default = base if base is not None else cls()
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in table:
            values[name] = getattr(default, name)
            continue
        key = f"{prefix}.{name}" if prefix else name
        hint = hints[name]
        if isinstance(hint, types.UnionType):  # not used today; keep the error clear
            raise TypeError(f"unsupported union type for {key}")
        values[name] = _convert(key, hint, table[name], f.metadata, getattr(default, name))
    return cls(**values)


def config_from_dict(data: dict[str, Any], path: Path | str | None = None) -> Config:
    """Validate an already parsed TOML document."""
    try:
        return _build(Config, data, "")
    except ConfigError as err:
        raise ConfigError(path, err.key, err.message) from None


def load_config(path: Path) -> Config:
    """Read and validate ``path``; a missing file is an error too."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "", "no such file (create it with `pmemail init`)") from None
    except OSError as err:
        raise ConfigError(path, "", f"cannot read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(path, "", f"not UTF-8 text (byte {err.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, "", f"not valid TOML: {err}") from None
    except RecursionError:
        raise ConfigError(path, "", "not valid TOML: nested too deeply") from None
    return config_from_dict(data, path)
