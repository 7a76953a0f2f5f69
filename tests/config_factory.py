"""The one factory for test configurations: data under a tmp dir, services on loopback.

Every test builds its :class:`Config` here, in memory (:func:`make_config`, for
services started in the test's own process) or as a TOML file written by the
product's own writer (:func:`write_config`, for ``pmemail`` subprocesses and
the app). Both return a :class:`ConfigSetup`, so a test takes what it needs.

A suite's particular values (a host name, a shrunk timeout, the router lab's
port plan) are *overrides*: a mapping from a dotted table name (``"mail"``,
``"ports.smtp"``; ``""`` for the top level) to ``{key: value}``. Several
mappings apply in order, so a suite's defaults and one test's change compose.
"""

from __future__ import annotations

import collections
import dataclasses
import random
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmemail.config import Config, DataPaths, load_config, save_config

Overrides = Mapping[str, Mapping[str, Any]]
SERVICES = ("smtp", "submission", "imap", "pop3", "webmail", "https")
CONFIG_NAME = "pmemail.toml"


@dataclass(frozen=True)
class ConfigSetup:
    """A test's configuration and where its files are."""

    config: Config
    path: Path
    """The TOML file: written by :func:`write_config`, only named by :func:`make_config`."""
    paths: DataPaths
    """The data dir layout (``<root>/data``) resolved from ``config``."""


# Ports handed out below the kernel's ephemeral range (32768-60999 by default): a
# port picked here and bound a moment later by a server must not meanwhile become
# the source port of some client connection, as a port from bind(0) can.
_PICK_FROM, _PICK_TO = 20000, 32000
_picker = random.Random()
# A test picks several ports before anything binds them, so a free port must also
# not be one handed out a moment ago (or one server would get two of its ports
# equal). The window is far smaller than the range, so the picker never runs dry.
_recently_handed_out: collections.deque[int] = collections.deque(maxlen=2000)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing uses right now, outside the ephemeral range (see above)."""
    for _ in range(200):
        port = _picker.randrange(_PICK_FROM, _PICK_TO)
        if port in _recently_handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _recently_handed_out.append(port)
        return port
    raise RuntimeError(f"no free port in {_PICK_FROM}-{_PICK_TO} on {host}")


def make_config(root: Path, *overrides: Overrides, loopback: bool = True) -> ConfigSetup:
    """A config in memory with its data dir at ``root/data``.

    Args:
        root: the test's own directory (``tmp_path``).
        overrides: applied in order after the base values.
        loopback: every service on 127.0.0.1 port 0 (the service binds a free
            port when it starts), no login delay, no router management. False
            keeps the default port plan and listen address, as an admin's file
            has them (wizard and dashboard pictures, the router lab).
    """
    config = _build(root, overrides, loopback, lambda: 0)
    return ConfigSetup(config, root / CONFIG_NAME, DataPaths.from_config(config))


def write_config(root: Path, *overrides: Overrides, loopback: bool = True) -> ConfigSetup:
    """Like :func:`make_config`, written to ``root/pmemail.toml`` and loaded back.

    With ``loopback`` the services get free ports picked now (a file cannot
    say "port 0"). The returned config is the one read from the file, so a
    test sees exactly what a ``pmemail --config`` process would.
    """
    path = root / CONFIG_NAME
    save_config(path, _build(root, overrides, loopback, free_port))
    config = load_config(path)
    return ConfigSetup(config, path, DataPaths.from_config(config, path))


def _build(
    root: Path, overrides: tuple[Overrides, ...], loopback: bool, port: Callable[[], int]
) -> Config:
    config = Config(data_dir=str(root / "data"))
    config.mail.domain = "example.be"
    config.mail.hostname = "mail.example.be"
    # the suite runs as root in tmp dirs closed to a service account: the
    # tests of the hand-over (test_serve_privileges.py) set their own user
    config.server.user = ""
    # no CA on loopback (and Let's Encrypt is off limits): the ACME tests name Pebble
    config.acme.enabled = False
    # no DNS or spam engine outside the test: the antispam tests name their own
    config.antispam.sender_auth = False
    config.antispam.dnsbl = []
    config.antispam.rspamd_url = ""
    if loopback:
        config.server.listen_address = "127.0.0.1"
        config.server.manage_router = False  # UPnP/NAT-PMP would leave the machine
        config.mail.submission_extra_ports = []
        for name in SERVICES:
            getattr(config.ports, name).internal = port()
        config.security.failure_delay = 0.0
    for layer in overrides:
        apply_overrides(config, layer)
    return config


def apply_overrides(config: Config, overrides: Overrides) -> None:
    """Set ``{table: {key: value}}`` on ``config``; an unknown table or key is an error."""
    for table, values in overrides.items():
        target: Any = config
        for part in table.split(".") if table else ():
            target = getattr(target, part)
        known = {f.name for f in dataclasses.fields(target)}
        for key, value in values.items():
            if key not in known:
                raise KeyError(f"no key {key!r} in [{table}]")
            setattr(target, key, value)
