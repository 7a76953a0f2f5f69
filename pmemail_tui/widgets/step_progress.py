"""The wizard's progress line: ``━━━━━━━╸━━━━━━━━━━━━━━━━  10%``.

Drawn like Textual's ``ProgressBar`` (same glyphs, colours and half-cell
rounding) but as one widget with no timer: ``ProgressBar`` composes three
sub-widgets and wakes once a second for its ETA, which costs about a sixth
of the CPU spent before the first screen shows and keeps an idle wizard busy.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

BAR, HALF_RIGHT, HALF_LEFT = "━", "╸", "╺"
PERCENT_WIDTH = 5  # "  10%", like ProgressBar's percentage label


class StepProgress(Widget, can_focus=False):
    """How far through the wizard the admin is (a fixed fraction: nothing animates)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"step-progress--bar", "step-progress--complete"}
    DEFAULT_CSS = """
    StepProgress {
        width: 1fr;
        height: 1;
        &> .step-progress--bar { color: $primary; background: $surface; }
        &> .step-progress--complete { color: $success; background: $surface; }
    }
    """

    def __init__(self, done: int, total: int, *, id: str | None = None) -> None:
        """Args: done/total: steps reached and steps in all (``done`` includes this one)."""
        super().__init__(id=id)
        self.fraction = min(1.0, done / total) if total > 0 else 1.0

    def render(self) -> Text:
        """The bar filled to the nearest half cell, then the percentage."""
        width = max(0, self.size.width - PERCENT_WIDTH)
        style = self.get_component_rich_style(
            "step-progress--complete" if self.fraction >= 1 else "step-progress--bar"
        )
        done, rest = Style.from_color(style.color), Style.from_color(style.bgcolor)
        end = min(width, round(width * self.fraction * 2) / 2)
        full, half = int(end), end > int(end)
        line = Text(end="")
        line.append(BAR * full + (HALF_RIGHT if half else ""), style=done)
        tail = BAR * max(0, width - full - 1)
        if not half and end < width:
            tail = (HALF_LEFT if end > 0 else BAR) + tail
        line.append(tail, style=rest)
        line.append(f"{round(self.fraction * 100)}%".rjust(PERCENT_WIDTH))
        return line
