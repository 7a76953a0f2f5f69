"""Helpers for the ``pmemail serve`` tests: a config on free loopback ports, the process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pmemail.config.model import PortPlan
from pmemail.serve.control import ControlError, query_control_sync
from tests.config_factory import CONFIG_NAME, SERVICES, Overrides, free_port, write_config

DOMAIN = "example.test"
START_TIMEOUT = 30.0
EXTERNAL = {name: getattr(PortPlan(), name).external for name in SERVICES}
SERVE: Overrides = {
    "mail": {"domain": DOMAIN, "hostname": f"mail.{DOMAIN}"},
    "collector": {"enabled": False},
    "queue": {"scan_interval": 0.2, "first_retry": 0.0},
}


@dataclass
class ServeSetup:
    """A config file in ``root`` whose services listen on free ports."""

    root: Path
    listen: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=dict)
    overrides: Overrides = field(default_factory=dict)
    """A suite's own tables (relay, network timeouts...), applied last."""

    def __post_init__(self) -> None:
        for name in EXTERNAL:
            self.ports.setdefault(name, free_port())

    @property
    def config(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket(self) -> Path:
        return self.data / "pmemail.sock"

    @property
    def pidfile(self) -> Path:
        return self.data / "pmemail.pid"

    def write(self) -> Path:
        """Write the TOML file (the factory's loopback base, these ports, a quick queue)."""
        ports = {f"ports.{name}": {"internal": number} for name, number in self.ports.items()}
        listen = {"server": {"listen_address": self.listen}}
        write_config(self.root, SERVE, listen, ports, self.overrides)
        return self.config


def pmemail(
    setup: ServeSetup, *args: str, timeout: float = 60, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one ``pmemail`` command against the setup's config."""
    return subprocess.run(
        [sys.executable, "-m", "pmemail", "--config", str(setup.config), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )


class Server:
    """``python -m pmemail serve`` as a child process."""

    def __init__(self, setup: ServeSetup, prefix: Sequence[str] = ()) -> None:
        self.setup = setup
        # a file, not a pipe: nobody drains a pipe during a load test, and a
        # full pipe would block the server's logging (and so the server)
        self.stderr_file = setup.root / "serve.stderr"
        with self.stderr_file.open("w") as err:
            self.proc = subprocess.Popen(
                [*prefix, sys.executable, "-m", "pmemail", "--config", str(setup.config), "serve"],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )

    def stderr(self) -> str:
        """Everything the server wrote so far."""
        return self.stderr_file.read_text(errors="replace")

    def until(self, what: str, check: Callable[[], bool], seconds: float = 120.0) -> None:
        """Wait for ``check()``; fail with the server's stderr after ``seconds`` (a ceiling
        for slow machines, never a measure)."""
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"never {what}: {self.stderr()[-3000:]}")
            time.sleep(0.02)

    def wait_ready(self) -> None:
        """Return once the control socket answers; fail with stderr if the process died."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"pmemail serve exited {self.proc.returncode}: {self.stderr()}"
                )
            try:
                query_control_sync(self.setup.socket, {"cmd": "ping"}, timeout=1)
                return
            except ControlError:
                time.sleep(0.05)
        raise AssertionError("pmemail serve did not become ready")

    def terminate(self, timeout: float = 30) -> tuple[int, str]:
        """SIGTERM, wait, return (exit code, stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=timeout)
        return self.proc.returncode, self.stderr()

    def kill(self) -> None:
        """SIGKILL (no cleanup at all)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
