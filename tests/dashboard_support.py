"""Helpers for the dashboard tests: a loopback echo stub, a config, lab calls.

The echo stub answers like an echoip service (``/ip`` and ``/port/N``) on
127.0.0.1, so the dashboard's "public address" and "reachable from
outside" columns are exercised without leaving loopback.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pmemail.serve.pidfile import read_pid
from tests.config_factory import Overrides, free_port
from tests.serve_support import ServeSetup

PUBLIC_IP = "203.0.113.7"


@dataclass
class EchoStub:
    """What the stub answers; change the fields while it runs."""

    address: str = PUBLIC_IP
    reachable: set[int] = field(default_factory=set)
    url: str = ""


@contextmanager
def echo_stub(reachable: set[int] | None = None) -> Iterator[EchoStub]:
    """Run an echoip-style HTTP service on 127.0.0.1 (ephemeral port)."""
    stub = EchoStub(reachable=set(reachable or ()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/ip":
                body, kind = stub.address + "\n", "text/plain"
            elif self.path.startswith("/port/"):
                port = int(self.path.rsplit("/", 1)[1])
                body = json.dumps(
                    {"ip": stub.address, "port": port, "reachable": port in stub.reachable}
                )
                kind = "application/json"
            else:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def dashboard_setup(root: Path, echo_url: str, extra: Overrides | None = None) -> ServeSetup:
    """A serve config on free loopback ports whose network facts stay on loopback.

    ``extra``: more tables of the suite's own (e.g. a collector's).

    The smarthost is a closed loopback port, so queued mail is deferred
    without any DNS lookup; the doctor's probes and resolver are loopback.
    """
    closed = free_port()
    overrides: Overrides = {
        "relay": {"mode": "smarthost", "host": "127.0.0.1", "port": closed, "tls": "none"},
        "network": {
            "echo_url": [echo_url],
            "port25_probes": [f"127.0.0.1:{closed}"],
            "resolver": f"127.0.0.1:{closed}",
            "http_timeout": 2.0,
            "connect_timeout": 0.5,
            "dns_timeout": 0.3,
            "check_timeout": 5.0,
            "upnp_discover_ms": 50,
            "natpmp_timeout": 0.1,
        },
        "dashboard": {"local_refresh": 0.2, "network_refresh": 1.0, "start_timeout": 30.0},
    }
    setup = ServeSetup(root, overrides={**overrides, **(extra or {})})
    setup.write()
    return setup


def kill_detached(setup: ServeSetup) -> None:
    """Stop a server the dashboard started detached (it is not our child)."""
    pid = read_pid(setup.pidfile)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and setup.pidfile.exists():
        time.sleep(0.05)


# ---------------------------------------------------------------- lab (run in lab-lan)
def lab_router_cycle(config_path: str) -> dict[str, Any]:
    """Forward all, read the snapshot, remove: the dashboard's router actions.

    Called with ``lab.run_python(NS_LAN, "tests.dashboard_support:lab_router_cycle", ...)``.
    """
    from pmemail.app.forwarding_actions import forward_all, remove_mappings
    from pmemail.app.network_snapshot import network_snapshot
    from pmemail.config import load_config
    from pmemail.config.paths import DataPaths

    path = Path(config_path)
    config = load_config(path)
    paths = DataPaths.from_config(config, path)

    def snap() -> dict[str, Any]:
        s = network_snapshot(config, paths)
        return {
            "router": s.router,
            "router_error": s.router_error,
            "router_address": s.router_address,
            "public": s.public_address,
            "ports": {
                p.name: {
                    "mapped": p.mapped,
                    "reachable": p.reachable,
                    "lease_left": p.lease_left,
                    "why": p.mapped_words("en"),
                }
                for p in s.ports
            },
        }

    forwarded = forward_all(config, paths)
    after_forward = snap()
    removed = remove_mappings(config, paths)
    return {
        "forward": {"message": forwarded.message, "ok": forwarded.ok, "details": forwarded.details},
        "after_forward": after_forward,
        "remove": {"message": removed.message, "ok": removed.ok},
        "after_remove": snap(),
    }


@pytest.fixture
def echo() -> Iterator[EchoStub]:
    """An echo service on loopback that reaches no port (a test may override it)."""
    with echo_stub() as stub:
        yield stub
