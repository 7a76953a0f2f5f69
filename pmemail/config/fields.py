"""How a config key is declared: its default, its documentation and its bounds.

``model`` declares every key with these; the loader (``typed_fields``) and the
commented writer read the metadata back.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def doc(
    text: str,
    default: Any = None,
    *,
    lo: float | None = None,
    hi: float | None = None,
    factory: Any = None,
    example: str = "",
) -> Any:
    """Declare a config field with its documentation and optional bounds.

    ``example`` is a commented TOML snippet written when a list of tables is
    empty, so the admin sees the shape of an entry.
    """
    meta: dict[str, Any] = {"doc": text}
    if example:
        meta["example"] = example
    if lo is not None:
        meta["min"] = lo
    if hi is not None:
        meta["max"] = hi
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def port(text: str, default: int) -> Any:
    """A TCP/UDP port number field (1-65535)."""
    return doc(text, default, lo=1, hi=65535)


def optional_port(text: str, default: int = 0) -> Any:
    """A port number where 0 means "off"."""
    return doc(text, default, lo=0, hi=65535)
