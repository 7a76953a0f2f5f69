"""One catalogue for every string the app shows (English and French).

Strings live in ``locale/<lang>.toml`` plus one file per screen area
(``locale/<area>.<lang>.toml``, e.g. the dashboard's), flat ``key = "text"``;
``t(key, **values)`` formats one. A test checks both languages have the same keys.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.dom import DOMNode

LANGUAGES = ("en", "fr")
# Beside this module (not importlib.resources: its reader pulls in zipfile,
# ~25 ms on the way to the first screen, for a package that is never zipped).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_current = ["en"]


@cache
def catalogue(language: str) -> dict[str, str]:
    """The strings of one language, from the main file and every area file."""
    merged: dict[str, str] = {}
    for entry in sorted(LOCALE_DIR.iterdir(), key=lambda e: e.name):
        if entry.name == f"{language}.toml" or entry.name.endswith(f".{language}.toml"):
            merged.update((k, str(v)) for k, v in tomllib.loads(entry.read_text("utf-8")).items())
    return merged


def set_language(language: str) -> None:
    """Switch the language of every later ``t()`` call."""
    _current[0] = language if language in LANGUAGES else "en"


def current_language() -> str:
    """The language in use."""
    return _current[0]


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the current language (English if missing)."""
    text = catalogue(_current[0]).get(key) or catalogue("en").get(key, key)
    return text.format(**values) if values else text


def localize_bindings(node: DOMNode, descriptions: Mapping[str, str]) -> None:
    """Give ``node``'s key bindings the current language's descriptions (the footer).

    ``descriptions`` maps an action name to a catalogue key. Textual builds
    BINDINGS once per class; the per-instance map is rewritten so each screen
    shows the language chosen when it was made.
    """
    bindings = node._bindings.key_to_bindings  # per-instance copy made by DOMNode.__init__
    for key, found in bindings.items():
        bindings[key] = [
            dataclasses.replace(b, description=t(descriptions[b.action]))
            if b.action in descriptions
            else b
            for b in found
        ]
