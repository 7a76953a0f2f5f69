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

from pmemail.config.docs_fr import HEADER_FR, french_doc
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


def _emit(
    obj: Any, prefix: str, out: list[str], *, array: bool = False, note: str = "", fr: bool = False
) -> None:
    """Write the scalar keys of ``obj`` then its sub-tables, recursively (``fr``: French docs)."""

    def doc(text: str) -> list[str]:
        return _comment(french_doc(text) if fr else text)

    fields = dataclasses.fields(obj)
    has_scalars = any(not _is_table(getattr(obj, f.name)) for f in fields)
    if prefix:
        out.append("")
        out.extend(doc(note))
        if has_scalars:
            out.append(f"[[{prefix}]]" if array else f"[{prefix}]")
    for f in fields:
        value = getattr(obj, f.name)
        if _is_table(value) or _table_list(value):
            continue
        if value == [] and f.metadata.get("example"):
            # An empty list of tables: show the shape of an entry, commented.
            out.extend(doc(f.metadata["doc"]))
            example = f.metadata["example"].splitlines()
            out.extend(f"# {french_doc(line) if fr else line}" for line in example)
            continue
        out.extend(doc(f.metadata.get("doc", "")))
        out.append(f"{f.name} = {_toml_value(value)}")
    for f in fields:
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        if _is_table(value):
            _emit(value, key, out, note=f.metadata.get("doc", ""), fr=fr)
        elif _table_list(value):
            for item in value:
                _emit(item, key, out, array=True, fr=fr)


def render_config(config: Config, language: str = "en") -> str:
    """The whole configuration as commented TOML text, its comments in ``language``.

    The file ``save_config`` writes keeps the English comments (one text to
    compare and to support); ``pmemail config show`` prints them in the
    configured language.
    """
    fr = language == "fr"
    out: list[str] = [(HEADER_FR if fr else HEADER).rstrip("\n")]
    _emit(config, "", out, fr=fr)
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
