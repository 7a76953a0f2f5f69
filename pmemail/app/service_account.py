"""The service account of the systemd unit (``server.user``): created, given its files.

``pmemail service install`` runs as root; the unit then starts ``pmemail
serve`` directly as that account (systemd grants it only the right to bind
low ports), so nothing can hand files over at start: this module does it
once, at install. ``pmemail serve`` started by hand as root does its own
hand-over (``pmemail.serve.privileges``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir
from pmemail.serve.privileges import Account, blocked_path, find_account, hand_over

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
# a placeholder for an account not created yet: it only gets "other" permissions
NOT_YET = -1


class ServiceRefusal(Exception):
    """Why the service cannot be installed: an id of :mod:`pmemail.app.service_texts`
    and its values; ``str()`` is the English sentence (logs, tests)."""

    def __init__(self, msgid: str, **params: str) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        """The sentence in ``language`` (English for any other)."""
        from pmemail.app.cert_wording import render
        from pmemail.app.service_texts import TEXTS

        return render(TEXTS, self.msgid, language, **self.params)


class AccountError(ServiceRefusal):
    """The account cannot be created or given its files (one line for the admin)."""


def useradd_command(name: str) -> list[str]:
    """A system account with no home and no login shell."""
    return ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def ensure_account(name: str, run: Runner | None = None) -> tuple[Account, bool]:
    """The account ``name``, created when missing. Returns it and whether it was created.

    Args:
        name: the account.
        run: runs the ``useradd`` command line (tests pass their own).

    Raises:
        AccountError: ``useradd`` is missing or failed.
    """
    account = find_account(name)
    if account is not None:
        return account, False
    command = useradd_command(name)
    try:
        done = (run or _run)(command)
    except FileNotFoundError:
        raise AccountError("service.no_useradd", user=name) from None
    created = find_account(name)
    if done.returncode != 0 or created is None:
        reason = (done.stderr or "").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise AccountError(
            "service.useradd_failed", user=name, command=" ".join(command), reason=reason[0]
        )
    return created, True


def unreachable(name: str, files: Sequence[Path], paths: DataPaths) -> tuple[Path, Path] | None:
    """A (path, closed folder) the account could not reach, checked before creating it.

    Args:
        name: the account (it may not exist yet).
        files: what it must read: the config file, the program it runs.
        paths: the data dir it must write.

    A home folder (/root, /home/admin at 0700) is closed to a system account,
    whatever the unit says.
    """
    account = find_account(name) or Account(name, NOT_YET, NOT_YET)
    for path in (*(f.expanduser().absolute() for f in files), paths.root.absolute()):
        folder = blocked_path(account, path)
        if folder is not None:
            return path, folder
    return None


def give_files(account: Account, config_path: Path, paths: DataPaths) -> None:
    """The data dir (created if missing) and pmemail's files to the account; the
    config file readable by its group (0640, still owned by root: the service
    reads it but cannot change its own settings)."""
    make_private_dir(paths.root, tighten=True)
    hand_over(account, paths)
    config = config_path.absolute()
    if config.exists():
        os.chown(config, -1, account.gid)
        os.chmod(config, 0o640)
