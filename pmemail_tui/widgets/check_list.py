"""A list of running tasks that turn into ok / warn / fail lines as they finish.

Used by the subscription checks, the forwarding step and the launch step:
each row shows a spinner while its work runs in a worker, then the status and
a one-line finding; Enter on a row opens its details.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Label, ListItem, ListView

from pmemail_tui.widgets.details_modal import DetailsModal

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ICONS = {"ok": "✔", "warn": "▲", "fail": "✘", "skipped": "–", "info": "•"}


@dataclass
class RowState:
    """What one row shows."""

    title: str
    status: str = "running"  # running | ok | warn | fail | skipped | info
    finding: str = ""
    details: str = ""
    advice: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class CheckRow(ListItem):
    """One task: spinner then result."""

    def __init__(self, key: str, state: RowState) -> None:
        super().__init__(id=f"row-{key}")
        self.key = key
        self.state = state
        self._frame = 0

    def compose(self) -> ComposeResult:
        """A single label; its text is the whole row."""
        yield Label(self.render_text(), markup=False)

    def render_text(self) -> str:
        """The row as text: icon, title, finding."""
        icon = SPINNER[self._frame % len(SPINNER)] if self.state.status == "running" else (
            ICONS.get(self.state.status, "?"))
        finding = f" — {self.state.finding}" if self.state.finding else ""
        return f"{icon} {self.state.title}{finding}"

    def refresh_row(self) -> None:
        """Redraw after a state change or a spinner tick."""
        self.set_class(True, f"status-{self.state.status}")
        for status in ICONS:
            if status != self.state.status:
                self.set_class(False, f"status-{status}")
        self.query_one(Label).update(self.render_text())

    def tick(self) -> None:
        """Advance the spinner (only while running)."""
        if self.state.status == "running":
            self._frame += 1
            self.query_one(Label).update(self.render_text())


class CheckList(ListView):
    """Rows keyed by task id; ``set_result`` replaces a spinner by a result."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "details", "Details")]

    def on_mount(self) -> None:
        """Animate spinners at 8 frames/s; the timer idles when nothing runs."""
        self.set_interval(0.125, self._tick)

    def _tick(self) -> None:
        for row in self.query(CheckRow):
            row.tick()

    def add_task(self, key: str, title: str) -> None:
        """Add (or reset) a row with a running spinner."""
        existing = self.row(key)
        if existing is not None:
            existing.state = RowState(title)
            existing.refresh_row()
            return
        self.append(CheckRow(key, RowState(title)))

    def row(self, key: str) -> CheckRow | None:
        """The row for ``key``, if any."""
        for row in self.query(CheckRow):
            if row.key == key:
                return row
        return None

    def set_result(self, key: str, status: str, finding: str, details: str = "",
                   advice: str = "", title: str | None = None) -> None:
        """Show a finished task's result (adds the row if it was not announced)."""
        row = self.row(key)
        if row is None:
            self.append(CheckRow(key, RowState(title or key)))
            self.call_after_refresh(self.set_result, key, status, finding, details, advice, title)
            return
        row.state.status = status
        row.state.finding = finding
        row.state.details = details
        row.state.advice = advice
        if title:
            row.state.title = title
        row.refresh_row()

    def states(self) -> dict[str, RowState]:
        """Every row's state by key."""
        return {row.key: row.state for row in self.query(CheckRow)}

    def action_details(self) -> None:
        """Open the highlighted row's details."""
        item = self.highlighted_child
        if isinstance(item, CheckRow):
            body = "\n\n".join(p for p in (item.state.finding, item.state.details,
                                           item.state.advice) if p)
            self.app.push_screen(DetailsModal(item.state.title, body or item.state.status))
