"""The dashboard's strings: the app's catalogue, with the dashboard's own files as fallback.

The ``dash.*`` keys live in ``locale/dashboard.<lang>.toml`` until they are
merged into the main ``<lang>.toml``; after the merge this fallback is
never used (``t`` finds every key) and can go.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from pmemail_tui.i18n import current_language, t


@cache
def _fallback(language: str) -> dict[str, str]:
    try:
        text = files("pmemail_tui").joinpath(
            "locale", f"dashboard.{language}.toml").read_text("utf-8")
    except FileNotFoundError:
        return {}
    return {k: str(v) for k, v in tomllib.loads(text).items()}


def dt(key: str, **values: object) -> str:
    """The text for a ``dash.*`` key in the current language."""
    text = t(key, **values)
    if text != key:
        return text
    found = _fallback(current_language()).get(key) or _fallback("en").get(key, key)
    return found.format(**values) if values else found
