"""A list of running tasks that turn into ok / warn / fail lines as they finish.

Used by the network step, the subscription checks, the forwarding step and
the launch step: each row shows a spinner while its work runs in a worker,
then the status and a one-line finding (wrapped, never cut); Enter on a row
opens its details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Label, ListItem, ListView

from pmemail_tui.i18n import localize_bindings, t
from pmemail_tui.widgets.details_modal import DetailsModal

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ICONS = {"running": "…", "ok": "✔", "warn": "▲", "fail": "✘", "skipped": "–", "info": "•"}


@dataclass
class RowState:
    """What one row shows."""

    title: str
    status: str = "running"  # running | ok | warn | fail | skipped | info
    finding: str = ""
    details: str = ""
    advice: str = ""


class CheckRow(ListItem):
    """One task: spinner then result."""

    def __init__(self, key: str, state: RowState) -> None:
        super().__init__(id=f"row-{key.replace('.', '-')}")
        self.key = key
        self.state = state
        self.frame = 0
        # made here, not in compose, so updates before mounting are never lost
        self.label = Label(self.render_text(), markup=False, classes="check-text")
        self.set_class(True, f"status-{state.status}")

    def compose(self) -> ComposeResult:
        """A single label; its text is the whole row."""
        yield self.label

    def render_text(self) -> str:
        """The row as text: icon, title, finding."""
        icon = ICONS.get(self.state.status, "?")
        if self.state.status == "running" and CheckList.ANIMATE:
            icon = SPINNER[self.frame % len(SPINNER)]
        finding = f" — {self.state.finding}" if self.state.finding else ""
        return f"{icon} {self.state.title}{finding}"

    def refresh_row(self) -> None:
        """Redraw after a state change or a spinner tick."""
        for status in ICONS:
            self.set_class(status == self.state.status, f"status-{status}")
        self.label.update(self.render_text())

    def tick(self) -> bool:
        """Advance the spinner; False when the row no longer runs."""
        if self.state.status != "running":
            return False
        self.frame += 1
        self.label.update(self.render_text())
        return True


class CheckList(ListView):
    """Rows keyed by task id; ``set_result`` replaces a spinner by a result."""

    # Tests and screenshots set this to False: spinners then show a fixed "…".
    ANIMATE: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Details")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self, {"select_cursor": "key.details"})
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        """Spinners at 8 frames/s, only while a row runs (an idle app uses no CPU)."""
        if self.ANIMATE:
            self._timer = self.set_interval(0.125, self._tick, pause=True)
            self._wake()

    def on_focus(self) -> None:
        """Tabbing in highlights the first row, so Enter works at once."""
        if self.index is None and len(self):
            self.index = 0

    def _wake(self) -> None:
        if self._timer is not None and any(
            r.state.status == "running" for r in self.query(CheckRow)
        ):
            self._timer.resume()

    def _tick(self) -> None:
        running = [row.tick() for row in self.query(CheckRow)]
        if not any(running) and self._timer is not None:
            self._timer.pause()

    def add_task(self, key: str, title: str) -> None:
        """Add (or reset) a row with a running spinner."""
        existing = self.row(key)
        if existing is not None:
            existing.state = RowState(title)
            existing.refresh_row()
        else:
            self.append(CheckRow(key, RowState(title)))
        self._wake()

    def row(self, key: str) -> CheckRow | None:
        """The row for ``key``, if any."""
        return next((r for r in self.query(CheckRow) if r.key == key), None)

    def set_result(
        self,
        key: str,
        status: str,
        finding: str,
        details: str = "",
        advice: str = "",
        title: str | None = None,
    ) -> None:
        """Show a finished task's result (adds the row if it was not announced)."""
        state = RowState(title or key, status, finding, details, advice)
        row = self.row(key)
        if row is None:
            self.append(CheckRow(key, state))
            return
        if not title:
            state.title = row.state.title
        row.state = state
        row.refresh_row()

    def states(self) -> dict[str, RowState]:
        """Every row's state by key."""
        return {row.key: row.state for row in self.query(CheckRow)}

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        """Enter (or a click) on a row opens its details."""
        item = event.item
        if isinstance(item, CheckRow):
            body = "\n\n".join(
                p for p in (item.state.finding, item.state.details, item.state.advice) if p
            )
            self.app.push_screen(DetailsModal(item.state.title, body or t("row.no_details")))
