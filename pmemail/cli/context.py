"""What every command receives: where the config is, and the loaded config."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pmemail.config import Config, DataPaths, load_config


class CommandError(Exception):
    """A command that cannot proceed; the message is printed as one line."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Context:
    """Shared state of one CLI invocation."""

    config_path: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    _config: Config | None = None

    @property
    def config(self) -> Config:
        """The loaded config (raises ConfigError with a one-line reason)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def paths(self) -> DataPaths:
        """The data dir layout of the loaded config."""
        return DataPaths.from_config(self.config, self.config_path)

    def print(self, text: str = "") -> None:
        """Write one line of normal output."""
        print(text, file=self.out)
