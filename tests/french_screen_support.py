"""Read everything a screen shows, and find English sentences in it.

Used by the French walk (tests/test_french_screens.py): the text of every
widget (scrolled out of view included), table cells, inputs, logs and the
footer's key labels, then a word test: a line is English when it holds a word
French never uses (``the``, ``running``, ``never``, ``Restart``...), once the
data it may carry (addresses, host names, commands) is taken out.
"""

from __future__ import annotations

import re
from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Log, RichLog

# Words of English UI sentences that French never writes (lower case).
_WORDS = """
    the is are and of with from not no yes press running stopped never start stop restart
    forward remove add checks check waiting found missing unknown reachable blocked listening
    closed disabled failed server here router outside lease why users user password next back
    done error your this that will be can cannot please sent delivered accepted queue deferred
    bounced refused oldest last run address none overview network log quit incoming outgoing
    name settings loading reading refreshing mappings renew certificate retry
    should must which what when where there their been has have was were does did
    already exists removed added changed wrote created stays its now reads either
"""
ENGLISH_WORDS = frozenset(_WORDS.split())

# Data and proper names a French screen shows as they are.
ALLOWED = [
    r"[\w.+-]+@[\w.-]+",  # mail addresses
    r"https?://\S+",  # URLs
    r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b",  # host names
    r"\bpmemail(?: [a-z-]+)*",  # commands: pmemail ports apply
    r"\bLet's Encrypt\b",
    r"\bCtrl\+\w\b",
    r"\bp=none\b",  # DMARC record data
    r"\b[0-9A-F]{2}(?::[0-9A-F]{2}){7,}\b",  # certificate fingerprints (hex pairs: "BE")
    r"\b(?=[0-9A-F]*\d)[0-9A-F]{8,}\b",  # ids (UIDLs, queue ids): "661AF5B94268BE45E450F"
]
_ALLOWED = re.compile("|".join(ALLOWED), re.IGNORECASE)
_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")


def english_words(line: str) -> list[str]:
    """The English words ``line`` holds once data and proper names are removed."""
    rest = _ALLOWED.sub(" ", line)
    return [w for w in _WORD.findall(rest) if w.lower().strip("'") in ENGLISH_WORDS]


def _widget_lines(widget: Widget) -> list[str]:
    if isinstance(widget, DataTable):
        lines = [str(c.label) for c in widget.columns.values()]
        for row in range(widget.row_count):
            lines.extend(str(cell) for cell in widget.get_row_at(row))
        return lines
    if isinstance(widget, Input):
        return [widget.placeholder, widget.value]
    if isinstance(widget, Log):
        return list(widget.lines)
    if isinstance(widget, RichLog):
        return [strip.text for strip in widget.lines]
    if widget.children:
        return []
    try:
        rendered: Any = widget.render()
    except Exception:  # a widget that cannot render alone shows nothing here
        return []
    text = str(rendered)
    return [] if text.startswith("<") else text.splitlines()


def screen_lines(screen: Screen[Any], skip: tuple[str, ...] = ()) -> list[str]:
    """Every line of text ``screen`` holds, and its footer's key labels.

    ``skip``: class names or ``#ids`` of widgets (with all they hold) left out.
    """
    lines: list[str] = []
    for widget in screen.walk_children(Widget):
        skipped = any(
            type(a).__name__ in skip or f"#{a.id}" in skip for a in (widget, *widget.ancestors)
        )
        shown = all(a.display for a in (widget, *widget.ancestors) if isinstance(a, Widget))
        if shown and not skipped:
            lines.extend(_widget_lines(widget))
    for active in screen.active_bindings.values():
        if active.binding.show:
            lines.append(active.binding.description)
    return [line for line in lines if line.strip()]


def english_lines(screen: Screen[Any], skip: tuple[str, ...] = ()) -> list[str]:
    """The lines of ``screen`` with an English word, each with the words found."""
    return [
        f"{line!r}: {words}"
        for line in screen_lines(screen, skip)
        if (words := english_words(line))
    ]
