"""Step 1: what will happen, and the language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import RadioButton, RadioSet, Static

from pmemail_tui.i18n import set_language, t
from pmemail_tui.screens.wizard.base import WizardStep


class WelcomeStep(WizardStep):
    """Explains the wizard and lets the admin pick English or French."""

    STEP = "welcome"

    def compose_body(self) -> Iterable[Widget]:
        """The plan of the wizard and the language choice."""
        yield Static(t("step.welcome.intro"), id="welcome-intro")
        yield Static(t("step.welcome.language"))
        with RadioSet(id="language"):
            yield RadioButton("English", value=self.pm.wizard.language == "en", id="lang-en")
            yield RadioButton("Français", value=self.pm.wizard.language == "fr", id="lang-fr")

    def collect(self) -> dict[str, Any] | None:
        """Store the language and apply it to the following steps."""
        pressed = self.query_one("#language", RadioSet).pressed_button
        language = "fr" if pressed is not None and pressed.id == "lang-fr" else "en"
        self.pm.wizard.language = language
        set_language(language)
        return {"language": language}
