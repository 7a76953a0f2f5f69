"""The systemd unit that runs ``pmemail serve`` at boot (``pmemail service install``).

The unit is written, never enabled: enabling a mail server is the admin's
decision, so the command prints the ``systemctl`` lines to run.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from pmemail.fsutil import atomic_write_text

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


def render_unit(config_path: Path, user_mode: bool) -> str:
    """The unit file's text.

    Args:
        config_path: passed as ``--config`` (made absolute).
        user_mode: a ``systemctl --user`` unit (WantedBy=default.target).
    """
    command = [*pmemail_command(), "--config", str(config_path.expanduser().absolute()), "serve"]
    target = "default.target" if user_mode else "multi-user.target"
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


def install_unit(config_path: Path, user_mode: bool, *, force: bool = False) -> Path:
    """Write the unit atomically where systemd looks for it (never enabled).

    Returns:
        The unit's path.

    Raises:
        UnitExists: it exists and ``force`` is false.
        PermissionError: the directory is not writable (a system unit needs root).
        OSError: any other failure to write it.
    """
    target = unit_path(user_mode)
    if target.exists() and not force:
        raise UnitExists(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, render_unit(config_path, user_mode))
    return target
