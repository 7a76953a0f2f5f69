"""Helpers for the hostile-input tests: servers that answer nonsense.

* :class:`FakeHttp` — an HTTP server on 127.0.0.1 whose every path answers
  a scripted :class:`Reply` (bad XML, HTML 500, a body that never ends ...);
* :class:`FakeUdp` — a UDP server answering each datagram with what a
  function of the request returns (garbage, short packets, wrong nonce);
* :func:`run_isolated` — run Python code in a private network namespace
  with only loopback (``unshare -n``): miniupnpc's C code and the NAT-PMP
  library (fixed port 5351) can then talk to fake routers on 127.0.0.1
  without any chance of a packet leaving the machine, and without
  colliding with other test runs' ports.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Reply:
    """What one path answers.

    Attributes:
        status: HTTP status code.
        body: the body (sent at once unless ``trickle``).
        content_type: the Content-Type header.
        delay: seconds to wait before answering at all.
        trickle: when > 0, announce a huge body and send one byte every
            ``trickle`` seconds until the server stops (a response that
            never finishes while never being silent for long).
        silent: accept the request and never answer.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    delay: float = 0.0
    trickle: float = 0.0
    silent: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    """A client under test that hangs up early is expected: no traceback on stderr
    (the tests assert that nothing printed one)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeHttp:
    """A threaded HTTP server on 127.0.0.1 (ephemeral port) answering scripted replies."""

    def __init__(self, routes: dict[str, Reply], default: Reply | None = None) -> None:
        self.routes = routes
        self.default = default or Reply(404, b"not found")
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str, bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append((self.command, self.path, body))
                reply = fake.routes.get(self.path.split("?")[0], fake.default)
                if reply.silent or reply.delay:
                    fake.stopping.wait(None if reply.silent else reply.delay)
                    if reply.silent:
                        return
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.trickle:
                        self.send_header("Content-Length", str(1 << 30))
                        self.end_headers()
                        self.wfile.write(reply.body)
                        self.wfile.flush()
                        while not fake.stopping.wait(reply.trickle):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        return
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up: expected for hostile replies

            do_GET = _serve
            do_POST = _serve

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHttp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class FakeUdp:
    """A UDP server on 127.0.0.1 answering ``answer(request)`` (None: stay silent)."""

    def __init__(
        self, answer: Callable[[bytes], bytes | list[bytes] | None], port: int = 0
    ) -> None:
        self.answer = answer
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received.append(data)
            out = self.answer(data)
            for packet in [out] if isinstance(out, bytes) else out or []:
                self.sock.sendto(packet, peer)

    def __enter__(self) -> FakeUdp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


# ---------------------------------------------------------------- IGD documents


def root_description(services: list[tuple[str, str]]) -> bytes:
    """A UPnP IGD root description listing ``(serviceType, controlURL)`` services."""
    svc = "".join(
        f"<service><serviceType>{kind}</serviceType><serviceId>urn:upnp-org:serviceId:"
        f"{kind.split(':')[-2]}</serviceId><controlURL>{ctl}</controlURL>"
        f"<eventSubURL>/evt</eventSubURL><SCPDURL>/scpd.xml</SCPDURL></service>"
        for kind, ctl in services
    )
    return (
        '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0">'
        "<specVersion><major>1</major><minor>0</minor></specVersion><device>"
        "<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>"
        "<friendlyName>Hostile box</friendlyName><manufacturer>Nonsense Inc</manufacturer>"
        "<modelName>NX-1</modelName><UDN>uuid:00000000-0000-0000-0000-000000000001</UDN>"
        "<deviceList><device>"
        "<deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>"
        "<UDN>uuid:00000000-0000-0000-0000-000000000002</UDN><deviceList><device>"
        "<deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>"
        "<UDN>uuid:00000000-0000-0000-0000-000000000003</UDN>"
        f"<serviceList>{svc}</serviceList>"
        "</device></deviceList></device></deviceList></device></root>"
    ).encode()


WAN_IP = "urn:schemas-upnp-org:service:WANIPConnection:1"
WAN_COMMON = "urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1"


def soap_fault(code: int, text: str = "Nonsense") -> bytes:
    """A UPnP SOAP fault with ``errorCode`` = ``code``."""
    return (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault>'
        "<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
        '<UPnPError xmlns="urn:schemas-upnp-org:control-1-0">'
        f"<errorCode>{code}</errorCode><errorDescription>{text}</errorDescription>"
        "</UPnPError></detail></s:Fault></s:Body></s:Envelope>"
    ).encode()


# ---------------------------------------------------------------- isolation


def isolation_missing() -> str | None:
    """Why :func:`run_isolated` cannot work here (None when it can)."""
    if os.geteuid() != 0:
        return "needs root (unshare -n)"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


def run_isolated(code: str, timeout: float = 60.0) -> dict[str, Any]:
    """Run ``code`` in a fresh network namespace holding only loopback.

    The code must print one JSON object as its last stdout line; that object
    is returned with ``stderr`` and ``seconds`` (wall time) added. Imports
    of ``tests.*`` work (the checkout is on ``sys.path``).
    """
    start = time.monotonic()
    proc = subprocess.run(
        [
            "unshare",
            "-n",
            "--",
            "sh",
            "-c",
            'ip link set lo up && exec "$0" "$@"',
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise AssertionError(
            f"isolated code failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    result["stderr"] = proc.stderr
    result["seconds"] = time.monotonic() - start
    return result


def one_line(text: str, limit: int = 300) -> bool:
    """A user-facing error: non-empty, a single line, of reasonable length."""
    return bool(text.strip()) and "\n" not in text and len(text) <= limit
