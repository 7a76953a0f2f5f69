"""The Textual application shell: loads screens, holds the config."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from pmemail import __version__
from pmemail.config import Config, DataPaths


class PmemailApp(App[None]):
    """pmemail's terminal app."""

    CSS_PATH = "pmemail.tcss"
    TITLE = "pmemail"
    SUB_TITLE = f"your office mail server - {__version__}"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, config: Config, config_path: Path, first_run: bool = False) -> None:
        super().__init__()
        self.config = config
        self.config_path = config_path
        self.first_run = first_run

    def compose(self) -> ComposeResult:
        """Header, a summary of the loaded configuration, footer."""
        yield Header()
        paths = DataPaths.from_config(self.config, self.config_path)
        lines = [
            f"Config file: {self.config_path}" + ("  (written with defaults)" if self.first_run
                                                  else ""),
            f"Mail domain: {self.config.mail.domain}   host: {self.config.mail.hostname}",
            f"Data: {paths.root}",
            "",
            "Port plan (router → this office):",
        ]
        for name, m in self.config.ports.items():
            host = m.internal_host or "this machine"
            state = "" if m.enabled else "  (disabled)"
            lines.append(f"  {m.external:>5}/{m.protocol}  {name:<15} → {host}:{m.internal}{state}")
        yield Static("\n".join(lines), id="summary")
        yield Footer()
