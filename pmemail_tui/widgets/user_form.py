"""A small form in a dialog: the fields one user action needs (dashboard's Users tab)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from pmemail_tui.i18n import localize_bindings, t

FIELDS = ("address", "name", "password", "protocol", "alias", "recipient")
"""The fields a form may ask, in the order shown."""


class UserFormModal(ModalScreen[dict[str, str] | None]):
    """Title, the asked fields, OK / Cancel; dismisses with the answers (None = cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    """Escape cancels."""

    DEFAULT_CSS = """
    UserFormModal { align: center middle; }
    UserFormModal > Vertical {
        width: 70; height: auto; background: $panel; border: thick $accent; padding: 1 2;
    }
    UserFormModal Input { margin-bottom: 1; }
    UserFormModal Horizontal { height: auto; }
    UserFormModal Button { margin-right: 2; }
    """
    """Self-contained: a dialog in the middle of the screen."""

    def __init__(self, title: str, fields: tuple[str, ...]) -> None:
        """``fields``: which of :data:`FIELDS` to ask."""
        super().__init__()
        localize_bindings(self, {"cancel": "key.cancel"})
        self.title_text = title
        self.fields = [f for f in FIELDS if f in fields]

    def compose(self) -> ComposeResult:
        """The dialog."""
        with Vertical():
            yield Static(self.title_text, id="form-title", markup=False)
            for name in self.fields:
                yield Label(t(f"dash.users.field.{name}"))
                if name == "protocol":
                    with RadioSet(id="form-protocol", compact=True):
                        yield RadioButton("IMAP", value=True, id="form-imap")
                        yield RadioButton("POP3", id="form-pop3")
                else:
                    yield Input(id=f"form-{name}", password=name == "password", compact=True)
            with Horizontal():
                yield Button(t("dash.users.ok"), id="form-ok", variant="primary", compact=True)
                yield Button(t("dash.users.cancel"), id="form-cancel", compact=True)

    def answers(self) -> dict[str, str]:
        """What was typed, by field name."""
        out = {}
        for name in self.fields:
            if name == "protocol":
                pressed = self.query_one("#form-protocol", RadioSet).pressed_button
                out[name] = "pop3" if pressed is not None and pressed.id == "form-pop3" else "imap"
            else:
                out[name] = self.query_one(f"#form-{name}", Input).value.strip()
        return out

    def on_input_submitted(self) -> None:
        """Enter in a field is OK."""
        self.dismiss(self.answers())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """OK answers, Cancel does not."""
        self.dismiss(self.answers() if event.button.id == "form-ok" else None)

    def action_cancel(self) -> None:
        """Escape."""
        self.dismiss(None)
