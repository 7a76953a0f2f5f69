"""Where pmemail keeps its files: the config file (XDG) and the data dir layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pmemail.config.model import Config

CONFIG_ENV = "PMEMAIL_CONFIG"
CONFIG_NAME = "pmemail.toml"


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/pmemail/pmemail.toml`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pmemail" / CONFIG_NAME


def resolve_config_path(cli_value: str | None) -> Path:
    """The config file to use: ``--config``, then ``$PMEMAIL_CONFIG``, then XDG."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return default_config_path()


@dataclass(frozen=True)
class DataPaths:
    """The layout of ``data_dir``: one place that names every file."""

    root: Path

    @classmethod
    def from_config(cls, config: Config, config_file: Path | None = None) -> DataPaths:
        """Resolve ``data_dir`` (a relative path is relative to the config file)."""
        root = Path(config.data_dir).expanduser()
        if not root.is_absolute() and config_file is not None:
            root = config_file.parent / root
        return cls(root)

    @property
    def maildirs(self) -> Path:
        """One Maildir per user: ``mail/<domain>/<localpart>/``."""
        return self.root / "mail"

    @property
    def queue(self) -> Path:
        """Outbound queue (message + JSON metadata per recipient)."""
        return self.root / "queue"

    @property
    def users_db(self) -> Path:
        """SQLite user store."""
        return self.root / "users.sqlite3"

    @property
    def tls_dir(self) -> Path:
        """Generated certificate and key."""
        return self.root / "tls"

    @property
    def state(self) -> Path:
        """Small JSON state files (IP history, router URL, wizard progress)."""
        return self.root / "state"

    @property
    def logs(self) -> Path:
        """Rotating log files."""
        return self.root / "logs"

    def control_socket(self, config: Config) -> Path:
        """The Unix socket of `pmemail serve`."""
        return Path(config.server.control_socket or self.root / "pmemail.sock").expanduser()

    def pidfile(self, config: Config) -> Path:
        """The pid file of `pmemail serve`."""
        return Path(config.server.pidfile or self.root / "pmemail.pid").expanduser()

    def log_file(self, config: Config) -> Path:
        """The main log file of `pmemail serve`."""
        return Path(config.server.log_file or self.logs / "pmemail.log").expanduser()
