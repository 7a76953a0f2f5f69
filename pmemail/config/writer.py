"""Render a :class:`Config` as a commented TOML file (``pmemail init``).

The comments come from the field metadata in ``model``, so the written file
documents every key with its meaning next to its current value.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from pmemail.config.model import Config

HEADER = """\
# pmemail configuration. Every key is optional: a missing key takes the
# default shown here. Check it with `pmemail config show`.
"""


def _toml_value(value: Any) -> str:
    """TOML literal for a scalar or a list of scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic strings
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _is_table(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_table(v) for v in value)


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in text.splitlines() if line.strip()]


def _emit(obj: Any, prefix: str, out: list[str], *, array: bool = False, note: str = "") -> None:
    """Write the scalar keys of ``obj`` then its sub-tables, recursively."""
    fields = dataclasses.fields(obj)
    has_scalars = any(not _is_table(getattr(obj, f.name)) for f in fields)
    if prefix:
        out.append("")
        out.extend(_comment(note))
        if has_scalars:
            out.append(f"[[{prefix}]]" if array else f"[{prefix}]")
    for f in fields:
        value = getattr(obj, f.name)
        if _is_table(value) or _table_list(value):
            continue
        if value == [] and f.metadata.get("example"):
            # An empty list of tables: show the shape of an entry, commented.
            out.extend(_comment(f.metadata["doc"]))
            out.extend(f"# {line}" for line in f.metadata["example"].splitlines())
            continue
        out.extend(_comment(f.metadata.get("doc", "")))
        out.append(f"{f.name} = {_toml_value(value)}")
    for f in fields:
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        if _is_table(value):
            _emit(value, key, out, note=f.metadata.get("doc", ""))
        elif _table_list(value):
            for item in value:
                _emit(item, key, out, array=True)


def render_config(config: Config) -> str:
    """The whole configuration as commented TOML text."""
    out: list[str] = [HEADER.rstrip("\n")]
    _emit(config, "", out)
    return "\n".join(out) + "\n"


def save_config(path: Path, config: Config) -> None:
    """Write ``config`` to ``path`` atomically, mode 0600 (it may hold passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render_config(config))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
