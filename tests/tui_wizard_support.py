"""Helpers for the wizard's pilot, snapshot, lab and tmux tests.

Everything points at real loopback services: the lab's echoip handler on
127.0.0.1 (``network.echo_url``), a TCP listener that greets like an MX
(``network.port25_probes``), a closed loopback port as DNS server (fails
fast, never leaves the machine). Every timeout is shrunk.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pmemail.app.wizard_state import WizardState, load_state, save_state
from pmemail.config import load_config
from pmemail_tui.app import PmemailApp
from pmemail_tui.i18n import set_language
from pmemail_tui.widgets.check_list import CheckList
from tests.config_factory import Overrides, free_port
from tests.lab.echo_server import EchoHandler

# steady pictures: no spinner frames, no blinking cursor
CheckList.ANIMATE = False
PmemailApp.CURSOR_BLINK = False

FIXED_PUBLIC_IP = "203.0.113.7"


@dataclass
class Loopback:
    """Addresses of the loopback services a config points at."""

    echo_url: str
    probe: str
    dns: str


def mx_listener() -> socket.socket:
    """A listener on port 25 of some 127.0.0.N (the outbound check only counts port 25).

    Each run picks its own loopback address so parallel runs never collide.
    """
    for _ in range(50):
        sock = socket.socket()
        try:
            sock.bind((f"127.0.0.{random.randint(2, 254)}", 25))
        except OSError:
            sock.close()
            continue
        sock.listen(16)
        return sock
    raise RuntimeError("no free 127.0.0.N:25")


@contextmanager
def loopback_services() -> Iterator[Loopback]:
    """The echoip service and a greeting TCP listener on 127.0.0.1, stopped afterwards."""
    echo = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    EchoHandler.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    listener = mx_listener()
    stop = threading.Event()

    def greet() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"220 probe.test ESMTP\r\n")

    threading.Thread(target=greet, daemon=True).start()
    try:
        yield Loopback(
            f"http://127.0.0.1:{echo.server_address[1]}",
            "{}:{}".format(*listener.getsockname()),
            f"127.0.0.1:{free_port()}",
        )
    finally:
        stop.set()
        echo.shutdown()
        echo.server_close()
        listener.close()


class FixedEcho(BaseHTTPRequestHandler):
    """An echoip service with fixed answers (only 1234 reachable): the same picture anywhere.

    For snapshots and screenshots; the pilot tests use the lab's real handler.
    """

    def do_GET(self) -> None:
        """``/ip`` and ``/port/N``."""
        path = self.path.rstrip("/")
        if path == "/ip":
            body = FIXED_PUBLIC_IP + "\n"
        else:
            port = int(path.rsplit("/", 1)[-1])
            body = json.dumps({"ip": FIXED_PUBLIC_IP, "port": port, "reachable": port == 1234})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def fixed_echo_service() -> Iterator[str]:
    """Run :class:`FixedEcho` on 127.0.0.1; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixedEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def app_overrides(services: Loopback | None = None) -> Overrides:
    """Config overrides for the app's tests: checks against ``services``, timeouts shrunk.

    Without ``services`` every check points at the closed loopback port 9.
    Use with ``write_config(root, app_overrides(...), loopback=False)``: the app
    shows the default port plan, as on an admin's machine.
    """
    services = services or Loopback("http://127.0.0.1:9", "127.0.0.1:9", "127.0.0.1:9")
    return {
        "network": {
            "interface": "lo",
            "echo_url": [services.echo_url],
            "port25_probes": [services.probe],
            "resolver": services.dns,
            "http_timeout": 1.0,
            "connect_timeout": 0.5,
            "dns_timeout": 0.2,
            "check_timeout": 3.0,
            "upnp_discover_ms": 100,
            "natpmp_timeout": 0.1,
        },
        "dashboard": {"start_timeout": 30.0},
    }


def fresh_root(path: Path) -> Path:
    """An empty directory at a fixed path (the screenshots' work dirs)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def state_dir(config_path: Path) -> Path:
    """Where the wizard's state file lives for this config."""
    return config_path.parent / "data" / "state"


def start_at(
    config_path: Path, step: str, language: str = "en", answers: dict[str, Any] | None = None
) -> None:
    """Save a wizard state that resumes at ``step``."""
    save_state(
        state_dir(config_path), WizardState(step=step, language=language, answers=answers or {})
    )


def saved_state(config_path: Path) -> WizardState:
    """The wizard state on disk."""
    return load_state(state_dir(config_path))


def make_app(config_path: Path, mode: str = "wizard") -> PmemailApp:
    """The real app on this config (language reset so tests do not leak it)."""
    set_language("en")
    return PmemailApp(load_config(config_path), config_path, mode=mode)  # type: ignore[arg-type]


async def settle(app: PmemailApp, pilot: Any) -> None:
    """Wait for every worker, then for the screen to catch up."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
