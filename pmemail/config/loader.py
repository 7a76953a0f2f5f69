"""Load a TOML file into the typed :class:`~pmemail.config.model.Config`.

Every problem becomes one :class:`ConfigError` naming the file, the dotted key
and what was expected, e.g. ``ports.smtp: expected an integer 1-65535, got
"25a"``. The walker (:mod:`pmemail.config.typed_fields`) is generic over the
dataclasses in ``model``, so adding a key there is enough for it to be
loaded, validated and documented.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from pmemail.config.model import Config, PortMapping
from pmemail.config.typed_fields import FieldError, Shorthand, build_dataclass, convert_value


class ConfigError(Exception):
    """A configuration file that cannot be used, with a one-line reason.

    ``str()`` is the English; ``code`` and ``params`` name the reason for the
    front ends (``pmemail.app.config_texts``, ids ``config.<code>``): ``field``
    (a value the schema refuses: its English detail is ``message``), ``missing``,
    ``unreadable``, ``not_utf8``, ``not_toml``, ``too_deep``; "" for others.
    """

    def __init__(
        self,
        path: Path | str | None,
        key: str,
        message: str,
        code: str = "",
        params: dict[str, str] | None = None,
    ) -> None:
        """``message``: the English reason; ``code`` + ``params``: the same by id."""
        self.path = str(path) if path is not None else None
        self.key = key
        self.message = message
        self.code = code
        self.params = params or {}
        where = f"{self.path}: " if self.path else ""
        keypart = f"{key}: " if key else ""
        super().__init__(f"{where}{keypart}{message}")


def _port_shorthand(key: str, value: Any, base: Any) -> PortMapping:
    """``smtp = 25``: the same port outside and inside, the entry's other defaults kept.

    ``base`` is the entry's default: ``remote_desktop = 20800`` keeps its
    internal host, not that of a bare ``PortMapping()``.
    """
    number = convert_value(key, int, value, {"min": 1, "max": 65535})
    return dataclasses.replace(base or PortMapping(), external=number, internal=number)


SHORTHANDS: dict[type, Shorthand] = {PortMapping: _port_shorthand}


def config_from_dict(data: dict[str, Any], path: Path | str | None = None) -> Config:
    """Validate an already parsed TOML document."""
    try:
        return build_dataclass(Config, data, shorthands=SHORTHANDS)
    except FieldError as err:
        params = {"field": err.code, **err.params}
        raise ConfigError(path, err.key, err.message, "field", params) from None


def load_config(path: Path) -> Config:
    """Read and validate ``path``; a missing file is an error too."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            path, "", "no such file (create it with `pmemail init`)", "missing"
        ) from None
    except OSError as err:
        error = str(err.strerror)
        raise ConfigError(
            path, "", f"cannot read: {error}", "unreadable", {"error": error}
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = str(err.start)
        raise ConfigError(
            path, "", f"not UTF-8 text (byte {byte})", "not_utf8", {"byte": byte}
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            path, "", f"not valid TOML: {err}", "not_toml", {"error": str(err)}
        ) from None
    except RecursionError:
        raise ConfigError(path, "", "not valid TOML: nested too deeply", "too_deep") from None
    return config_from_dict(data, path)
