"""The Textual application shell: picks wizard or dashboard, holds config and state.

Kept thin on purpose: screens render, workers call ``netcore``/``mailcore``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar, Literal

from textual.app import App
from textual.binding import Binding, BindingType

from pmemail import __version__
from pmemail.app.wizard_state import load_state, save_state
from pmemail.config import Config, DataPaths, save_config
from pmemail.config.language import as_saved, effective_config
from pmemail_tui.i18n import localize_bindings, set_language, t
from pmemail_tui.screens.wizard import step_screen
from pmemail_tui.screens.wizard.messages import StepAnswers

StartMode = Literal["auto", "wizard", "dashboard"]


class PmemailApp(App[None]):
    """pmemail's terminal app: the setup wizard on first run, the dashboard afterwards."""

    CSS_PATH = "pmemail.tcss"
    TITLE = "pmemail"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True)
    ]
    ENABLE_COMMAND_PALETTE = False
    # Tests, snapshots and screenshots set this to False for steady pictures.
    CURSOR_BLINK: ClassVar[bool] = True

    def __init__(
        self,
        config: Config,
        config_path: Path,
        first_run: bool = False,
        mode: StartMode = "auto",
        language_flag: str | None = None,
        configured_language: str | None = None,
    ) -> None:
        """Open on ``config``; the language: ``--lang``, the wizard's choice, the config, LANG.

        ``configured_language`` is the file's own ``language`` setting (``auto``
        included) when ``config`` is already the CLI's resolved one; it is what
        a saved config keeps.
        """
        super().__init__()
        self.config_path = config_path
        self.first_run = first_run
        self.mode = mode
        self.paths = DataPaths.from_config(config, config_path)
        self.wizard = load_state(self.paths.state)
        self.configured_language = configured_language or config.language
        # The choice made on the welcome step counts as the config's (older
        # versions saved it only in the wizard's state).
        self.config = effective_config(config, language_flag or self.wizard.language or None)
        set_language(self.config.language)
        self.localize()

    def localize(self) -> None:
        """Header and app-wide keys in the current language."""
        localize_bindings(self, {"quit": "key.quit"})
        self.sub_title = t("app.subtitle", version=__version__)

    def on_mount(self) -> None:
        """Open the wizard where it was left, or the dashboard."""
        if self.mode == "wizard" or (self.mode == "auto" and not self.wizard.finished):
            if self.wizard.finished:
                self.wizard.step, self.wizard.finished = "welcome", False
            self.push_screen(step_screen(self.wizard.step))
        else:
            self.open_dashboard(push=True)

    def open_dashboard(self, push: bool = False) -> None:
        """Show the live dashboard."""
        from pmemail_tui.screens.dashboard import DashboardScreen

        if push:
            self.push_screen(DashboardScreen())
        else:
            self.switch_screen(DashboardScreen())

    def step_done(self, step: str) -> None:
        """Record a finished step (saved to disk at once) and show the next one."""
        self.wizard.complete(step)
        save_state(self.paths.state, self.wizard)
        if self.wizard.finished:
            self.open_dashboard()
        else:
            self.switch_screen(step_screen(self.wizard.step))

    def on_step_answers(self, message: StepAnswers) -> None:
        """A step's worker found answers: keep and save them now (the step may be gone)."""
        self.wizard.answers.setdefault(message.step, {}).update(message.answers)
        save_state(self.paths.state, self.wizard)

    def set_wizard_language(self, language: str) -> None:
        """Switch the language of the app and remember it (saved at once)."""
        set_language(language)
        self.localize()
        self.wizard.language = language
        save_state(self.paths.state, self.wizard)
        self.configured_language = language  # the CLI speaks it too from now on
        self.update_config(dataclasses.replace(self.config, language=language))  # type: ignore[arg-type]

    def step_back(self) -> None:
        """Show the previous step."""
        self.wizard.back()
        save_state(self.paths.state, self.wizard)
        self.switch_screen(step_screen(self.wizard.step))

    def port_busy(self, port: int) -> bool:
        """Whether a local program already listens on ``port``."""
        from netcore.local_ports import is_listening  # psutil: loaded when a step needs it

        return is_listening(port)

    def known_public_ip(self) -> str:
        """The last public address the checks saw ("" before any check)."""
        from pmemail.app.dns_publish import last_public_ip

        return last_public_ip(self.paths)

    def update_config(self, config: Config) -> None:
        """Adopt and save a changed configuration."""
        self.config = config
        save_config(self.config_path, as_saved(config, self.configured_language))

    def update_port_host(self, name: str, host: str) -> None:
        """Point one entry of the port plan at another LAN host."""
        mapping = dataclasses.replace(getattr(self.config.ports, name), internal_host=host)
        ports = dataclasses.replace(self.config.ports, **{name: mapping})
        self.update_config(dataclasses.replace(self.config, ports=ports))
