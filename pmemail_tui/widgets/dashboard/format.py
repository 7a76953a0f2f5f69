"""Small pure formatters for the dashboard (durations, sizes, times, colours)."""

from __future__ import annotations

import time

from rich.text import Text

from pmemail.app import status_snapshot
from pmemail.app.formatting import duration, size
from pmemail_tui.i18n import catalogue, t

__all__ = ["BAD", "GOOD", "MUTED", "UNKNOWN", "clock", "duration", "size"]

GOOD, BAD, UNKNOWN, MUTED = "green", "red", "yellow", "dim"


def clock(when: float | None) -> str:
    """A Unix time as local ``HH:MM:SS`` (with the date when not today)."""
    if not when:
        return t("dash.never")
    local = time.localtime(when)
    # "today" from the dashboard's clock seam, so a fixed clock gives a fixed picture
    if time.strftime("%Y-%m-%d", local) == time.strftime(
        "%Y-%m-%d", time.localtime(status_snapshot.clock())
    ):
        return time.strftime("%H:%M:%S", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


def verdict(value: bool | None, yes: str, no: str, unknown: str) -> Text:
    """A coloured cell: green ``yes``, red ``no``, yellow ``unknown``."""
    if value is None:
        return Text(unknown, style=UNKNOWN)
    return Text(yes, style=GOOD) if value else Text(no, style=BAD)


def state(text: str) -> Text:
    """A service state coloured (running green, failed red, others yellow), in words."""
    style = {"running": GOOD, "failed": BAD, "stopped": UNKNOWN}.get(text, UNKNOWN)
    return Text(known(f"dash.state.{text}", text), style=style)


def known(key: str, fallback: str) -> str:
    """The catalogue's text for ``key``, else ``fallback`` (a newer server's state or counter)."""
    return t(key) if key in catalogue("en") else fallback
