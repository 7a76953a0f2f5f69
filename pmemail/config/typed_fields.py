"""Turn a parsed TOML table into a typed dataclass, with one wording per error.

Both the configuration file (:mod:`pmemail.config.loader`) and the router
profiles (:mod:`netcore.profiles`) are TOML read into dataclasses; this is
the one walker for both, so a wrong value reads the same wherever it is:
``ports.smtp: expected an integer 1-65535, got "25a"``. That wording is a
published interface (README): change it only with a note.

Supported field types: ``bool``, ``int`` and ``float`` (bounds from the field
metadata's ``min``/``max``; never NaN or infinity), ``str`` (no control
characters), ``Literal[...]`` choices, ``list[X]``, nested dataclasses (TOML
tables) and ``X | None`` (TOML has no null: ``None`` only as a default).
A field without a default must be present in the table.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, get_args, get_origin

T = TypeVar("T")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
SHOW_MAX = 60  # a 1 MB bad value must not become a 1 MB "one line" error

Shorthand = Callable[[str, Any, Any], Any]
"""``(key, value, base) -> instance``: builds a dataclass from a non-table value."""


class FieldError(ValueError):
    """One value that does not fit its field: the dotted key and what was expected.

    ``message`` is the English; ``code`` and ``params`` the same by id for the
    front ends (``pmemail.app.config_texts``, ids ``field.<code>``; "" = none).
    """

    def __init__(self, key: str, message: str, code: str = "", **params: str) -> None:
        """``message``: the English reason; ``code`` + ``params``: the same by id."""
        self.key = key
        self.message = message
        self.code = code
        self.params = params
        super().__init__(f"{key}: {message}" if key else message)


def _got(value: Any) -> dict[str, str]:
    """The refused value for a message id: ``got`` as :func:`show_value` writes it, and
    ``got_kind`` when those words are English (table, list, huge, long) for a front
    end to word them; ``start`` and ``chars`` for a long string."""
    out = {"got": show_value(value), "got_kind": ""}
    if isinstance(value, str) and len(value) > SHOW_MAX:
        out |= {"got_kind": "long", "start": value[:SHOW_MAX], "chars": str(len(value))}
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOW_MAX:
        out["got_kind"] = "huge"
    elif isinstance(value, dict):
        out["got_kind"] = "table"
    elif isinstance(value, list):
        out["got_kind"] = "list"
    return out


def show_value(value: Any) -> str:
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


_WHAT = {"an integer": "integer", "a number": "number"}
"""The range checks' English ``what`` -> its message id."""


def _number(bound: float) -> str:
    """A bound as written by a person: 1099511627776, not 1.09951e+12."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _bounds(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f" {_number(lo)}-{_number(hi)}"
    if lo is not None:
        return f" >= {_number(lo)}"
    return ""


def _check_range(key: str, value: float, meta: Mapping[str, Any], what: str) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if isinstance(value, float) and not math.isfinite(value):
        # nan passes every comparison below; inf would mean "never" for a timeout
        raise FieldError(
            key,
            f"expected {what}{_bounds(meta)}, got {show_value(value)}",
            _WHAT[what],
            bounds=_bounds(meta),
            **_got(value),
        )
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise FieldError(
            key,
            f"expected {what}{_bounds(meta)}, got {show_value(value)}",
            _WHAT[what],
            bounds=_bounds(meta),
            **_got(value),
        )


def _scalar(key: str, hint: Any, value: Any, meta: Mapping[str, Any]) -> Any:
    """Check a bool, int, float or str value; ``NotImplemented`` for other hints."""
    if hint is bool:
        if not isinstance(value, bool):
            raise FieldError(
                key, f"expected true or false, got {show_value(value)}", "bool", **_got(value)
            )
        return value
    if hint is int:
        # bool is a subclass of int in Python: refuse true where a number is expected
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(
                key,
                f"expected an integer{_bounds(meta)}, got {show_value(value)}",
                "integer",
                bounds=_bounds(meta),
                **_got(value),
            )
        _check_range(key, value, meta, "an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldError(
                key,
                f"expected a number{_bounds(meta)}, got {show_value(value)}",
                "number",
                bounds=_bounds(meta),
                **_got(value),
            )
        try:
            number = float(value)
        except OverflowError:
            raise FieldError(
                key,
                f"expected a number{_bounds(meta)}, got a huge integer",
                "number",
                bounds=_bounds(meta),
                got="a huge integer",
                got_kind="huge",
            ) from None
        _check_range(key, number, meta, "a number")
        return number
    if hint is str:
        if not isinstance(value, str):
            raise FieldError(
                key, f"expected a string, got {show_value(value)}", "string", **_got(value)
            )
        if not key.endswith("password") and CONTROL_CHARS.search(value):
            # a NUL in data_dir would only fail later, deep in os.mkdir
            raise FieldError(key, "expected text without control characters", "control_chars")
        return value
    return NotImplemented


def convert_value(
    key: str,
    hint: Any,
    value: Any,
    meta: Mapping[str, Any] | None = None,
    base: Any = None,
    *,
    shorthands: Mapping[type, Shorthand] | None = None,
) -> Any:
    """Convert one TOML value to the type ``hint``, or raise :class:`FieldError`.

    Args:
        key: the dotted key named in errors (``ports.smtp``).
        hint: the field's type.
        value: the parsed TOML value.
        meta: the field's metadata (``min``/``max`` bounds for numbers).
        base: the field's current value: a partial nested table keeps that
            value's other entries, not those of a bare default instance.
        shorthands: for these dataclass types, a non-table value is handed
            to the given function instead of being an error.

    Raises:
        FieldError: the value does not fit.
        TypeError: ``hint`` is a type this walker does not support (a bug).
    """
    meta = meta or {}
    scalar = _scalar(key, hint, value, meta)
    if scalar is not NotImplemented:
        return scalar
    origin = get_origin(hint)
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices:
            names = " or ".join(f'"{c}"' for c in choices)
            raise FieldError(
                key,
                f"expected one of {names}, got {show_value(value)}",
                "one_of",
                choices="|".join(f'"{c}"' for c in choices),  # a front end joins them
                **_got(value),
            )
        return value
    if origin is list:
        (item,) = get_args(hint)
        if not isinstance(value, list):
            raise FieldError(
                key, f"expected a list, got {show_value(value)}", "list", **_got(value)
            )
        return [
            convert_value(f"{key}[{i}]", item, v, meta, shorthands=shorthands)
            for i, v in enumerate(value)
        ]
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if len(options) != 1:
            raise TypeError(f"unsupported union type for {key}")  # a bug in the model
        return convert_value(key, options[0], value, meta, base, shorthands=shorthands)
    if shorthands and hint in shorthands and not isinstance(value, dict):
        return shorthands[hint](key, value, base)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(value, dict):
            raise FieldError(
                key, f"expected a table, got {show_value(value)}", "table", **_got(value)
            )
        return build_dataclass(hint, value, key, base, shorthands=shorthands)
    raise TypeError(f"unsupported type {hint!r} for {key}")  # a bug in the model


def build_dataclass(
    cls: type[T],
    table: Mapping[str, Any],
    prefix: str = "",
    base: Any = None,
    *,
    given: Mapping[str, Any] | None = None,
    shorthands: Mapping[type, Shorthand] | None = None,
) -> T:
    """Build dataclass ``cls`` from a TOML table.

    A key missing from ``table`` takes its value from ``base`` when given,
    else the field's default; a field with neither is an error.

    Args:
        cls: the dataclass to build.
        table: the parsed TOML table.
        prefix: the dotted key of ``table`` itself ("" at the top).
        base: an instance whose values stand for the missing keys.
        given: field values supplied by the caller, not read from the file
            (e.g. a profile's id, its file name); the file may not set them.
        shorthands: as for :func:`convert_value`.

    Raises:
        FieldError: an unknown key, a missing one, or a value that does not fit.
    """
    given = given or {}
    hints = typing.get_type_hints(cls, include_extras=False)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in given}  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(fields))
    if unknown:
        known = ", ".join(sorted(fields))
        raise FieldError(
            _join(prefix, unknown[0]), f"unknown key (known here: {known})", "unknown", known=known
        )
    values: dict[str, Any] = dict(given)
    for name, f in fields.items():
        default = _default(f, base)
        if name in table:
            values[name] = convert_value(
                _join(prefix, name),
                hints[name],
                table[name],
                f.metadata,
                None if default is dataclasses.MISSING else default,
                shorthands=shorthands,
            )
        elif default is dataclasses.MISSING:
            raise FieldError(_join(prefix, name), "missing", "missing")
        else:
            values[name] = default
    return cls(**values)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _default(f: dataclasses.Field[Any], base: Any) -> Any:
    """The value standing for a missing key, or ``dataclasses.MISSING``."""
    if base is not None:
        return getattr(base, f.name)
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING
