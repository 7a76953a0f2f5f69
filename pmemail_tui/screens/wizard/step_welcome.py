"""Step 1: the language, then what will happen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.widget import Widget
from textual.widgets import RadioButton, RadioSet, Static

from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep


class WelcomeStep(WizardStep):
    """Lets the admin pick English or French (applied at once) and explains the wizard."""

    STEP = "welcome"

    def compose_body(self) -> Iterable[Widget]:
        """The language choice first (visible without scrolling), then the plan."""
        yield Static(t("step.welcome.language"), id="language-label")
        with RadioSet(id="language", compact=True):
            yield RadioButton("English", value=current_language() != "fr", id="lang-en")
            yield RadioButton("Français", value=current_language() == "fr", id="lang-fr")
        yield Static(t("step.welcome.intro"), id="welcome-intro")

    def on_mount(self) -> None:
        """The language choice has the focus: arrows pick, PageDown goes on."""
        self.query_one("#language", RadioSet).focus()

    def chosen_language(self) -> str:
        """The language the radio set shows."""
        pressed = self.query_one("#language", RadioSet).pressed_button
        return "fr" if pressed is not None and pressed.id == "lang-fr" else "en"

    @on(RadioSet.Changed, "#language")
    def language_changed(self) -> None:
        """Redraw this step in the chosen language straight away."""
        language = self.chosen_language()
        if language == current_language():
            return
        self.pm.set_wizard_language(language)
        self.app.switch_screen(WelcomeStep())

    def collect(self) -> dict[str, Any] | None:
        """Store the language and apply it to the following steps."""
        language = self.chosen_language()
        self.pm.set_wizard_language(language)
        return {"language": language}
