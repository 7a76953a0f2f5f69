"""``pmemail serve`` as a user runs it, for the benchmarks.

Every service, default logging, the default config apart from what a bench
machine must change: the ports (free loopback ports, so a system mail server
is never in the way), the data directory, and no router management (it would
look for a router on the network). The server is started and stopped through
:mod:`pmemail.app.server_process`, the code the wizard and the dashboard use.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import TracebackType

from mailcore.users import UserStore
from pmemail.app.init_setup import initial_config
from pmemail.app.server_process import server_pid, start_server, stop_server
from pmemail.config import Config, DataPaths, save_config
from tests.config_factory import free_port

DOMAIN = "example.be"
USER, PASSWORD = f"bench@{DOMAIN}", "bench-password-1"
SERVICES = ("smtp", "submission", "imap", "pop3", "webmail", "https")


class ShippedServer:
    """A running ``pmemail serve`` in ``root`` with one IMAP user (context manager)."""

    def __init__(self, root: Path, **overrides: object) -> None:
        """Write the config; ``overrides`` set ``table.key`` values (e.g. ``queue__x``)."""
        self.root = root
        self.config_path = root / "pmemail.toml"
        config = initial_config(domain=DOMAIN, data_dir=str(root / "data"))
        config.server.listen_address = "127.0.0.1"
        config.server.manage_router = False
        # the bench runs as root with data in a tmp dir no service account can enter
        config.server.user = ""
        # no ACME CA here (the network rule): the renewal service is not built, as
        # on a server whose admin supplies a certificate
        config.acme.enabled = False
        config.mail.submission_extra_ports = []
        for name in SERVICES:
            mapping = getattr(config.ports, name)
            setattr(config.ports, name, dataclasses.replace(mapping, internal=free_port()))
        for key, value in overrides.items():
            table, _, field_name = key.partition("__")
            setattr(getattr(config, table), field_name, value)
        save_config(self.config_path, config)
        self.config: Config = config
        self.paths = DataPaths.from_config(config, self.config_path)
        UserStore.from_config(config, self.paths).add_user(USER, PASSWORD, "imap")
        self.pid = 0

    def port(self, service: str) -> int:
        """The loopback port ``service`` listens on."""
        return int(getattr(self.config.ports, service).internal)

    @property
    def maildir(self) -> Path:
        """The bench user's Maildir."""
        return self.paths.maildirs / DOMAIN / USER.split("@")[0]

    def start(self) -> ShippedServer:
        """Start it detached and wait until every service answers."""
        start_server(self.config, self.config_path, self.paths)
        pid = server_pid(self.paths)
        if pid is None:
            raise RuntimeError("pmemail serve started but does not answer")
        self.pid = pid
        return self

    def stop(self) -> None:
        """Stop it cleanly (SIGTERM path through the control socket)."""
        if server_pid(self.paths) is not None:
            stop_server(self.config, self.paths)

    def __enter__(self) -> ShippedServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
