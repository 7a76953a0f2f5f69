"""A modal that shows a long text (a check's details) and closes on Escape/Enter."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from pmemail_tui.i18n import localize_bindings, t


class DetailsModal(ModalScreen[None]):
    """Title, scrollable text, Close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        localize_bindings(self, {"close": "key.close"})
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        """The dialog."""
        with Vertical(id="details-dialog"):
            yield Static(self.title_text, id="details-title", markup=False)
            with VerticalScroll():
                yield Static(self.body, id="details-body", markup=False)
            yield Button(t("details.close"), id="details-close", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close button."""
        self.dismiss(None)

    def action_close(self) -> None:
        """Escape or Enter."""
        self.dismiss(None)
