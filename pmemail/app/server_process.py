"""Start, stop and find the ``pmemail serve`` process (the wizard's and the dashboard's).

The server is started *detached*: a tiny launcher process starts it in its
own session and exits at once, so the server is not a child of the TUI
(quitting the TUI leaves it running, and no zombie or ResourceWarning is
left behind in the TUI's process). Its own output goes to one console file
beside the log file, where a start-up error can be read.

Ready means the control socket answers: the supervisor opens it only after
every service has bound its ports, so one wait covers them all.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from pmemail.app.action_result import ActionError, ActionResult
from pmemail.app.local_sources import tail_lines
from pmemail.config.https import https_internal_port
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync
from pmemail.serve.pidfile import read_pid

CONSOLE_LOG = "serve-console.log"  # the server's stdout/stderr, beside its log file
POLL = 0.05
PING_TIMEOUT = 2.0  # a local socket: a server that needs longer is stuck

# name, whether it answers, and where (the port) — for a row per service
ServiceProgress = Callable[[str, bool, str], None]

# Runs in the launcher process: start the server in a new session, print its pid.
_LAUNCHER = """\
import subprocess, sys
with open(sys.argv[1], "ab") as out:
    proc = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out,
                            stderr=out, start_new_session=True, close_fds=True)
print(proc.pid, flush=True)
"""


class ServerAlreadyRunning(ActionError):
    """A start was asked while a server answers on the control socket."""

    def __init__(self, pid: int) -> None:
        super().__init__(f"pmemail serve is already running (pid {pid})")
        self.pid = pid


def console_log(paths: DataPaths) -> Path:
    """Where the detached server's own output goes (start-up errors land here)."""
    return paths.log_file.with_name(CONSOLE_LOG)


def server_pid(paths: DataPaths) -> int | None:
    """The pid of the running server, or None when nothing answers."""
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "ping"}, PING_TIMEOUT)
    except ControlError:
        return None
    pid = answer.get("pid")
    return pid if isinstance(pid, int) else None


def service_ports(config: Config) -> dict[str, int]:
    """The internal port each service of this machine listens on, by service name."""
    ports = {
        name: m.internal
        for name, m in config.ports.items()
        if name != "remote_desktop" and m.enabled and not m.internal_host
    }
    if "https" in ports or config.server.https_port:  # the legacy key still turns HTTPS on
        ports["https"] = https_internal_port(config)
    return ports


# What a polite probe says after the greeting, by service: the server sees a
# client that logs out, not a "Connection lost during _handle_client()".
_GOODBYE = {
    "smtp": b"QUIT\r\n",
    "submission": b"QUIT\r\n",
    "imap": b"a1 LOGOUT\r\n",
    "pop3": b"QUIT\r\n",
}


def _answers(host: str, port: int, name: str = "", timeout: float = 0.5) -> bool:
    """Whether ``port`` accepts a connection; a mail service is greeted and left politely."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            goodbye = _GOODBYE.get(name)
            if goodbye is not None:
                conn.settimeout(max(timeout, 2.0))
                conn.recv(512)  # the greeting
                conn.sendall(goodbye)
                conn.recv(512)  # the farewell: the server closes first
            return True
    except TimeoutError:
        return True  # it accepted the connection: listening, only slow to greet
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _launch_detached(config_path: Path, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pmemail", "--config", str(config_path), "serve"]
    try:
        launched = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(out), *argv],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return int(launched.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as err:
        raise ActionError.said("server.cannot_start", error=err) from None


def report_ports(config: Config, on_service: ServiceProgress) -> None:
    """Tell ``on_service`` whether each service's port answers now."""
    host = config.server.listen_address
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    for name, port in service_ports(config).items():
        on_service(name, _answers(host, port, name), str(port))


def start_server(
    config: Config,
    config_path: Path,
    paths: DataPaths,
    on_service: ServiceProgress | None = None,
) -> ActionResult:
    """Start ``pmemail serve`` detached and wait until its control socket answers.

    Args:
        on_service: told, once the server is ready (or has given up), whether
            each service's port answers.

    Raises:
        ServerAlreadyRunning: a server already answers.
        ActionError: it exited (with its last output line) or did not answer
            within ``dashboard.start_timeout``.
    """
    try:
        running = server_pid(paths)
        if running is not None:
            raise ServerAlreadyRunning(running)
        out = console_log(paths)
        pid = _launch_detached(config_path, out)
        deadline = time.monotonic() + config.dashboard.start_timeout
        while time.monotonic() < deadline:
            if server_pid(paths) is not None:
                return ActionResult.said("server.started", pid=pid)
            if not _alive(pid):
                last = next((ln for ln in reversed(tail_lines(out, 20)) if ln.strip()), "")
                raise ActionError.said("server.exited", last=last or "-", path=out)
            time.sleep(POLL)
        seconds = f"{config.dashboard.start_timeout:g}"
        raise ActionError.said("server.no_answer", pid=pid, seconds=seconds, path=paths.log_file)
    finally:
        if on_service is not None:
            report_ports(config, on_service)


def stop_server(config: Config, paths: DataPaths) -> ActionResult:
    """Ask the server to stop (control socket) and wait until its process is gone.

    Raises:
        ActionError: it is not running, refused, or did not exit in time.
    """
    pid = server_pid(paths) or read_pid(paths.pidfile)
    try:
        answer = query_control_sync(paths.control_socket, {"cmd": "stop"})
    except NotRunning:
        raise ActionError.said("server.not_running") from None
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        error = answer.get("error")
        raise ActionError(str(error)) if error else ActionError.said("server.refused_stop")
    deadline = time.monotonic() + config.dashboard.start_timeout
    while pid is not None and _alive(pid):
        if time.monotonic() > deadline:
            seconds = f"{config.dashboard.start_timeout:g}"
            raise ActionError.said("server.still_stopping", pid=pid, seconds=seconds)
        time.sleep(POLL)
    return (
        ActionResult.said("server.stopped_pid", pid=pid)
        if pid
        else ActionResult.said("server.stopped")
    )


def restart_service(paths: DataPaths, name: str) -> ActionResult:
    """Restart one service of the running server (the others keep running).

    Raises:
        ActionError: no server runs, or the service could not start again.
    """
    try:
        answer = query_control_sync(
            paths.control_socket, {"cmd": "restart_service", "service": name}
        )
    except NotRunning:
        raise ActionError.said("server.not_running") from None
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        raise ActionError(str(answer.get("error", "?")))
    return ActionResult.said("server.service_restarted", service=name)


def restart_server(config: Config, config_path: Path, paths: DataPaths) -> ActionResult:
    """Stop the server when it runs, then start it again."""
    details = []
    if server_pid(paths) is not None:
        details.append(stop_server(config, paths).message)
    started = start_server(config, config_path, paths)
    return ActionResult.said(
        "server.restarted", [*details, started.message], started=started.message
    )
