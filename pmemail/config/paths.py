"""Where pmemail keeps its files: the config file (XDG) and the data dir layout."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pmemail.config.model import Config

CONFIG_ENV = "PMEMAIL_CONFIG"
CONFIG_NAME = "pmemail.toml"
_UNSET = Path()  # a sentinel: "take the default under root"


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
    """The layout of ``data_dir``: one place that names every file.

    The server's own files (control socket, pid file, log file) may be moved
    out of ``data_dir`` by ``[server]`` keys: they are resolved once, by
    :meth:`from_config`, so nothing downstream needs the config to find them.
    Built from a bare root (tests, tools), they take their defaults there.
    """

    root: Path
    control_socket: Path = field(default=_UNSET)
    pidfile: Path = field(default=_UNSET)
    log_file: Path = field(default=_UNSET)

    def __post_init__(self) -> None:
        defaults = {
            "control_socket": self.root / "pmemail.sock",
            "pidfile": self.root / "pmemail.pid",
            "log_file": self.logs / "pmemail.log",
        }
        for name, default in defaults.items():
            if getattr(self, name) is _UNSET:
                object.__setattr__(self, name, default)  # frozen: set once, here

    @classmethod
    def from_config(cls, config: Config, config_file: Path | None = None) -> DataPaths:
        """Resolve ``data_dir`` (a relative path is relative to the config file)
        and the server's files (``server.control_socket``, ``pidfile``, ``log_file``)."""
        root = Path(config.data_dir).expanduser()
        if not root.is_absolute() and config_file is not None:
            root = config_file.parent / root
        server = config.server
        return cls(
            root,
            control_socket=Path(server.control_socket or root / "pmemail.sock").expanduser(),
            pidfile=Path(server.pidfile or root / "pmemail.pid").expanduser(),
            log_file=Path(server.log_file or root / "logs" / "pmemail.log").expanduser(),
        )

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
    def acme_dir(self) -> Path:
        """ACME account key, the issued certificate and key, the renewal state (0600)."""
        return self.tls_dir / "acme"

    @property
    def acme_cert(self) -> Path:
        """The certificate chain issued by the ACME CA (leaf first)."""
        return self.acme_dir / "fullchain.pem"

    @property
    def acme_key(self) -> Path:
        """The private key of :attr:`acme_cert`."""
        return self.acme_dir / "privkey.pem"

    @property
    def acme_account_key(self) -> Path:
        """The ACME account's private key (JWK JSON)."""
        return self.acme_dir / "account.json"

    @property
    def acme_state(self) -> Path:
        """Renewal state: last attempt, its outcome, next attempt, back-off."""
        return self.acme_dir / "state.json"

    @property
    def dkim_dir(self) -> Path:
        """DKIM keys: ``<domain>/<selector>.key`` (0600) and ``<domain>/current``."""
        return self.root / "dkim"

    @property
    def state(self) -> Path:
        """Small JSON state files (IP history, router URL, wizard progress)."""
        return self.root / "state"

    @property
    def logs(self) -> Path:
        """Rotating log files."""
        return self.root / "logs"
