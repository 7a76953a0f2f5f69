"""The header of every screen: the app's title and subtitle."""

from __future__ import annotations

from textual.widgets import Header

ICON = "@"
"""ASCII: Textual's default icon "⭘" is missing from common monospace fonts and
showed as an empty box (in the screenshots' PNGs and on many terminals)."""


def app_header() -> Header:
    """Textual's header with :data:`ICON`."""
    return Header(icon=ICON)
