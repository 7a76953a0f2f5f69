"""Make ``pmemail serve`` survive a reboot: install and enable the systemd unit.

Where systemd runs, :func:`enable_service` writes the unit (an existing one
is kept: the admin may have edited it), enables it and starts it. A server
the wizard started detached is stopped first: both would bind the same
ports, so the unit's start would fail. Where systemd does not run (a
container, no ``systemctl``) nothing is changed and the outcome says what
the admin must do instead.

Every outcome is a message id of :mod:`pmemail.app.service_texts` with its
parameters; the callers word it in their language.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pmemail.app import service_unit
from pmemail.app.action_result import ActionError
from pmemail.app.server_process import POLL, server_pid, stop_server
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

SYSTEMCTL_TIMEOUT = 30.0  # daemon-reload on a busy machine can take seconds
UNIT = "pmemail"


@dataclass(frozen=True)
class ServiceOutcome:
    """What :func:`enable_service` did.

    Attributes:
        msgid: a :data:`pmemail.app.service_texts.TEXTS` id.
        params: its placeholders' values.
        enabled: the unit is enabled (the server starts at boot).
        running: a server answers on the control socket at the end.
        reason: the id and values of the ``{reason}`` of ``msgid``, when that is a
            sentence of the catalogue too (``service.refused``).
    """

    msgid: str
    params: dict[str, str] = field(default_factory=dict)
    enabled: bool = False
    running: bool = False
    reason: tuple[str, dict[str, str]] | None = None

    def text(self, language: str) -> str:
        """The outcome's sentence in ``language`` (its reason worded in it too)."""
        from pmemail.app.cert_wording import render
        from pmemail.app.service_texts import TEXTS

        params = dict(self.params)
        if self.reason is not None:
            params["reason"] = render(TEXTS, self.reason[0], language, **self.reason[1])
        return render(TEXTS, self.msgid, language, **params)


def systemctl(user_mode: bool, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run ``systemctl [--user] ARGS``; None when there is no ``systemctl`` to run."""
    program = shutil.which("systemctl")
    if program is None:
        return None
    argv = [program, *(["--user"] if user_mode else []), *args]
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None


def systemd_runs(user_mode: bool) -> bool:
    """Whether a systemd manager answers (``offline`` = systemctl without systemd: a container)."""
    answer = systemctl(user_mode, "is-system-running")
    if answer is None:
        return False
    state = answer.stdout.strip()
    # running, degraded, starting, ... all mean a manager; offline or nothing means none
    return bool(state) and state not in ("offline", "unknown")


def service_enabled(user_mode: bool) -> bool | None:
    """Whether the unit starts at boot; None where systemd does not run."""
    if not systemd_runs(user_mode):
        return None
    answer = systemctl(user_mode, "is-enabled", UNIT)
    return answer is not None and answer.stdout.strip() in ("enabled", "enabled-runtime")


def default_user_mode() -> bool:
    """A system unit as root, else the user's own (a system unit needs root)."""
    return os.geteuid() != 0


def foreground_command(config_path: Path) -> str:
    """The command a machine without systemd must run at boot."""
    command = [*service_unit.pmemail_command(), "--config", str(config_path.absolute()), "serve"]
    return shlex.join(command)


def enable_service(
    config: Config, config_path: Path, paths: DataPaths, user_mode: bool
) -> ServiceOutcome:
    """Install, enable and start the unit, handing over from a detached server.

    Never raises for an expected failure: the outcome names it.
    """
    if not systemd_runs(user_mode):
        return ServiceOutcome("service.no_systemd", {"command": foreground_command(config_path)})
    try:
        service_unit.install_unit(config, config_path, user_mode)
    except service_unit.UnitExists:
        pass  # the admin's unit (maybe edited) is kept
    except service_unit.UnitRefused as err:
        return _refused(err.msgid, err.params)
    except PermissionError as err:
        return _refused("service.cannot_write", {"path": str(err.filename)})
    except OSError as err:
        return _refused(
            "service.cannot_write_reason", {"path": str(err.filename), "reason": str(err.strerror)}
        )
    for args in (("daemon-reload",), ("enable", UNIT)):
        failed = _failure(user_mode, *args)
        if failed is not None:
            return failed
    enabled = True
    active = systemctl(user_mode, "is-active", UNIT)
    if active is None or active.stdout.strip() != "active":
        if server_pid(paths) is not None:  # the wizard's detached server holds the ports
            try:
                stop_server(config, paths)
            except ActionError as err:
                return ServiceOutcome("service.handover_failed", {"reason": str(err)}, enabled)
        failed = _failure(user_mode, "start", UNIT)
        if failed is not None:
            return ServiceOutcome(failed.msgid, failed.params, enabled)
    unit = service_unit.unit_path(user_mode).name
    if not _wait_until_answering(config, paths):
        seconds = f"{config.dashboard.start_timeout:g}"
        return ServiceOutcome("service.not_answering", {"unit": unit, "seconds": seconds}, enabled)
    if user_mode:
        return ServiceOutcome(
            "service.enabled_user", {"unit": unit, "user": getpass.getuser()}, enabled, True
        )
    return ServiceOutcome("service.enabled", {"unit": unit}, enabled, True)


def _refused(msgid: str, params: dict[str, str]) -> ServiceOutcome:
    """``service.refused``, its reason the sentence ``msgid``."""
    return ServiceOutcome("service.refused", {"reason": msgid}, reason=(msgid, params))


def _failure(user_mode: bool, *args: str) -> ServiceOutcome | None:
    answer = systemctl(user_mode, *args)
    if answer is not None and answer.returncode == 0:
        return None
    if answer is None:
        return ServiceOutcome("service.no_systemctl", {"command": " ".join(args)})
    reason = _last_line(answer)
    return ServiceOutcome("service.systemctl_failed", {"command": " ".join(args), "reason": reason})


def _last_line(answer: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (answer.stderr + answer.stdout).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else f"exit code {answer.returncode}"


def _wait_until_answering(config: Config, paths: DataPaths) -> bool:
    deadline = time.monotonic() + config.dashboard.start_timeout
    while time.monotonic() < deadline:
        if server_pid(paths) is not None:
            return True
        time.sleep(POLL)
    return False
