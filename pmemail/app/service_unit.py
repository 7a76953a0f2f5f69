"""The systemd unit that runs ``pmemail serve`` at boot (``pmemail service install``).

The unit is written, never enabled: enabling a mail server is the admin's
decision, so the command prints the ``systemctl`` lines to run.

A system unit runs ``pmemail serve`` as ``server.user`` (created by
``install`` when missing) with only the right to bind low ports, in a
sandbox where the system is read-only and only pmemail's own folders are
writable.
"""

from __future__ import annotations

import grp
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from pmemail.app.service_account import (
    AccountError,
    ServiceRefusal,
    ensure_account,
    give_files,
    unreachable,
)
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import atomic_write_text
from pmemail.serve.privileges import find_account, owned_paths

UNIT_NAME = "pmemail.service"
SYSTEM_UNIT_DIR = Path("/etc/systemd/system")


def user_unit_dir() -> Path:
    """``$XDG_CONFIG_HOME/systemd/user`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def pmemail_command() -> list[str]:
    """The absolute command that starts this very pmemail.

    The ``pmemail`` script beside the running interpreter (a venv's bin/) when
    there is one, else ``python -m pmemail`` with the same interpreter.
    """
    interpreter = Path(sys.executable).absolute()
    script = interpreter.parent / "pmemail"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(interpreter), "-m", "pmemail"]


def program_files() -> tuple[Path, ...]:
    """What the account must be able to run: the command and the real interpreter
    (a pyenv or pipx install under /root would be closed to it)."""
    return (Path(pmemail_command()[0]), Path(sys.executable).resolve())


HOMES = (Path("/home"), Path("/root"), Path("/run/user"))


@dataclass(frozen=True)
class Sandbox:
    """What a system unit confines ``pmemail serve`` to.

    Attributes:
        user: ``User=``; empty = the unit runs as root (``server.user = ""``).
        group: ``Group=``: the account's primary group (``useradd --system``
            makes one of the same name; Debian's nobody has nogroup).
        writable: ``ReadWritePaths=``: pmemail's own folders, everything else read-only.
        home_read_only: a path lies under /home, /root or /run/user, so those
            are made read-only (``ReadWritePaths=`` still opens pmemail's folders)
            instead of hidden (``ProtectHome=yes``), which would hide the files.
    """

    user: str
    group: str
    writable: tuple[Path, ...]
    home_read_only: bool


def sandbox_for(config: Config, config_path: Path) -> Sandbox:
    """The sandbox for this config: its account and pmemail's folders."""
    paths = DataPaths.from_config(config, config_path)
    server_files = (paths.log_file, paths.pidfile, paths.control_socket)
    folders: list[Path] = []
    for path in owned_paths(paths):
        # a lone server file in a shared folder: rotating or replacing it writes the folder
        folder = (path.parent if path in server_files else path).absolute()
        if folder not in folders:
            folders.append(folder)
    seen = [config_path.expanduser().absolute(), *folders]
    in_home = any(path.is_relative_to(home) for path in seen for home in HOMES)
    user = config.server.user
    account = find_account(user) if user else None
    group = grp.getgrgid(account.gid).gr_name if account is not None else user
    return Sandbox(user, group, tuple(folders), in_home)


def _sandbox_lines(sandbox: Sandbox) -> list[str]:
    lines = ["# No root: an unprivileged account, a read-only system (pmemail service install)"]
    if sandbox.user:
        lines += [
            f"User={sandbox.user}",
            f"Group={sandbox.group}",
            # ports 25, 80, 110, 143 without root; nothing else, even for a child
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        ]
    lines += [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        f"ProtectHome={'read-only' if sandbox.home_read_only else 'yes'}",
        "PrivateTmp=yes",
        f"ReadWritePaths={' '.join(shlex.quote(str(p)) for p in sandbox.writable)}",
    ]
    return lines


def render_unit(config_path: Path, user_mode: bool, sandbox: Sandbox | None = None) -> str:
    """The unit file's text.

    Args:
        config_path: passed as ``--config`` (made absolute).
        user_mode: a ``systemctl --user`` unit (WantedBy=default.target); it
            runs as the user already and gets no sandbox lines.
        sandbox: the system unit's account and writable folders (None = none).
    """
    command = [*pmemail_command(), "--config", str(config_path.expanduser().absolute()), "serve"]
    target = "default.target" if user_mode else "multi-user.target"
    hardening = [] if user_mode or sandbox is None else ["", *_sandbox_lines(sandbox)]
    return "\n".join(
        [
            "# Written by `pmemail service install`; not enabled automatically.",
            "[Unit]",
            "Description=pmemail office mail server",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={shlex.join(command)}",
            # SIGTERM makes pmemail finish in-flight deliveries and exit 0
            "KillSignal=SIGTERM",
            "TimeoutStopSec=60",
            "Restart=on-failure",
            "RestartSec=5",
            # one descriptor per connection: room for every listener's max_connections
            "LimitNOFILE=65536",
            *hardening,
            "",
            "[Install]",
            f"WantedBy={target}",
            "",
        ]
    )


def unit_path(user_mode: bool) -> Path:
    """Where ``install`` writes the unit."""
    return (user_unit_dir() if user_mode else SYSTEM_UNIT_DIR) / UNIT_NAME


def enable_hint(user_mode: bool) -> str:
    """The commands the admin runs to start the service at boot."""
    ctl = "systemctl --user" if user_mode else "systemctl"
    return f"{ctl} daemon-reload && {ctl} enable --now pmemail"


class UnitExists(Exception):
    """The unit file is there already and ``force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class UnitRefused(ServiceRefusal):
    """The service account could not run this config (one line for the admin)."""


def install_unit(
    config: Config, config_path: Path, user_mode: bool, *, force: bool = False
) -> Path:
    """Write the unit atomically where systemd looks for it (never enabled).

    A system unit with ``server.user`` first gets its account (``useradd``
    when missing) and hands it the data dir and the config file's group.

    Returns:
        The unit's path.

    Raises:
        UnitExists: it exists and ``force`` is false.
        UnitRefused: the account cannot reach the config file or the data dir
            (e.g. both under /root), or cannot be created.
        PermissionError: the directory is not writable (a system unit needs root).
        OSError: any other failure to write it.
    """
    target = unit_path(user_mode)
    if target.exists() and not force:
        raise UnitExists(target)
    sandbox = None if user_mode else sandbox_for(config, config_path)
    if sandbox is not None and sandbox.user:
        _prepare_account(sandbox.user, config_path, DataPaths.from_config(config, config_path))
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, render_unit(config_path, user_mode, sandbox))
    return target


def _prepare_account(name: str, config_path: Path, paths: DataPaths) -> None:
    blocked = unreachable(name, (config_path, *program_files()), paths)
    if blocked is not None:  # checked before creating anything
        path, folder = blocked
        raise UnitRefused("service.unreachable", user=name, path=str(path), folder=str(folder))
    if os.geteuid() != 0:
        raise PermissionError(13, "permission denied", str(SYSTEM_UNIT_DIR))
    try:
        account, _created = ensure_account(name)
    except AccountError as err:
        raise UnitRefused(err.msgid, **err.params) from None
    give_files(account, config_path.expanduser(), paths)
