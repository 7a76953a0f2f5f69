"""A yes/no question before an action that cannot be taken back (stopping all mail)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from pmemail_tui.i18n import localize_bindings, t


class ConfirmModal(ModalScreen[bool]):
    """The question, then "No" (focused: Enter keeps things as they are) and "Yes"."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "no", "Cancel")]
    """Escape answers no."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 60; height: auto; background: $panel; border: thick $error; padding: 1 2;
    }
    ConfirmModal Horizontal { height: auto; margin-top: 1; }
    ConfirmModal Button { margin-right: 2; }
    """
    """Self-contained: a small dialog in the middle of the screen."""

    def __init__(self, question: str, yes: str) -> None:
        """``question`` asked; ``yes`` labels the button that goes ahead."""
        super().__init__()
        localize_bindings(self, {"no": "key.cancel"})
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        """The dialog."""
        with Vertical():
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal():
                yield Button(t("confirm.no"), id="confirm-no", variant="primary", compact=True)
                yield Button(self.yes, id="confirm-yes", variant="error", compact=True)

    def on_mount(self) -> None:
        """The safe answer has the focus."""
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Yes goes ahead, No does not."""
        self.dismiss(event.button.id == "confirm-yes")

    def action_no(self) -> None:
        """Escape."""
        self.dismiss(False)
