"""Start ``pmemail serve`` in the background and wait until its services answer.

Used by the wizard's launch step and the dashboard's start action (no UI
here). The server is a separate process in its own session, so closing the
terminal app does not stop the mail.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmemail.config import Config, DataPaths
from pmemail.serve.control import ControlError, query_control_sync

ServiceProgress = Callable[[str, bool, str], None]


@dataclass(frozen=True)
class LaunchResult:
    """How the start went."""

    pid: int
    ready: bool
    reason: str = ""


def start_detached(config_path: Path, paths: DataPaths) -> subprocess.Popen[bytes]:
    """Run ``python -m pmemail --config PATH serve`` detached, output to the data dir."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    with open(paths.logs / "serve.out", "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pmemail", "--config", str(config_path), "serve"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # reap the server whenever it stops, so it never lingers as a zombie of the app
    threading.Thread(target=process.wait, daemon=True, name="serve-reaper").start()
    return process


def service_ports(config: Config) -> dict[str, int]:
    """The internal port each listening service should answer on."""
    return {
        name: m.internal
        for name, m in config.ports.items()
        if name != "remote_desktop" and m.enabled and not m.internal_host
    }


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether a TCP connection to ``host:port`` is accepted."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_ready(
    process: subprocess.Popen[bytes],
    config: Config,
    paths: DataPaths,
    timeout: float = 20.0,
    on_service: ServiceProgress | None = None,
) -> LaunchResult:
    """Poll the control socket and each port until all answer, the process dies, or timeout."""
    host = (
        "127.0.0.1"
        if config.server.listen_address in ("0.0.0.0", "")
        else (config.server.listen_address)
    )
    pending = service_ports(config)
    deadline = time.monotonic() + timeout
    control = paths.control_socket(config)
    control_ok = False
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            tail = _tail(paths.logs / "serve.out")
            return LaunchResult(process.pid, False, tail or f"exited with code {code}")
        if not control_ok:
            try:
                query_control_sync(control, {"cmd": "status"}, timeout=1.0)
                control_ok = True
            except ControlError:
                pass
        for name, port in list(pending.items()):
            if answers(host, port):
                del pending[name]
                if on_service:
                    on_service(name, True, str(port))
        if control_ok and not pending:
            return LaunchResult(process.pid, True)
        time.sleep(0.2)
    for name, port in pending.items():
        if on_service:
            on_service(name, False, str(port))
    return LaunchResult(process.pid, False, "timed out waiting for " + ", ".join(pending))


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])
