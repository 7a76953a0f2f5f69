"""What every command receives: where the config is, and the loaded config."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pmemail.config import Config, DataPaths, load_config
from pmemail.config.language import effective_config


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
    language_flag: str | None = None
    """``--lang``: overrides the config's language for this run."""
    _config: Config | None = None
    _configured_language: str = "auto"

    @property
    def config(self) -> Config:
        """The loaded config, its ``language`` resolved (raises ConfigError with a one-line reason).

        ``language`` is ``en`` or ``fr`` here: ``--lang``, else the file's
        setting, else the environment (:mod:`pmemail.config.language`).
        """
        if self._config is None:
            in_file = load_config(self.config_path)
            self._configured_language = in_file.language
            self._config = effective_config(in_file, self.language_flag)
        return self._config

    @property
    def configured_language(self) -> str:
        """The ``language`` the config file says (``auto``, ``en`` or ``fr``), to write back."""
        _ = self.config
        return self._configured_language

    @property
    def paths(self) -> DataPaths:
        """The data dir layout of the loaded config."""
        return DataPaths.from_config(self.config, self.config_path)

    def print(self, text: str = "") -> None:
        """Write one line of normal output."""
        print(text, file=self.out)
