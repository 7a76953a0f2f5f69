"""A dyndns2 update server for the tests, on 127.0.0.1: real HTTP, scripted answers.

``/nic/update`` (dyndns2) and ``/update`` (Duck DNS) are answered; every
request is recorded. By default a dyndns2 request with the expected basic
auth gets ``good <myip>`` (``nochg <myip>`` when the address is the one it
already holds) and anything else ``badauth``; Duck DNS gets ``OK`` with the
right token. ``script`` overrides the next answers one by one, e.g.
``(200, "911")`` or ``(401, "")``.

In the router lab the same server runs in lab-wan (:func:`serve_in_lab`, through
``Lab.spawn_python``) and writes each request and its answer as one JSON line
to a journal file the test reads (:func:`read_journal`).
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

USER = "office"
PASSWORD = "s3cret pass"
TOKEN = "duck-token-1"


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, str]
    authorization: str
    user_agent: str
    client: str = ""
    """The caller's address (in the lab: the router's public address)."""

    @property
    def credentials(self) -> tuple[str, str]:
        """(user, password) from the basic auth header (empty when none)."""
        if not self.authorization.startswith("Basic "):
            return "", ""
        user, _, password = base64.b64decode(self.authorization[6:]).decode().partition(":")
        return user, password


@dataclass
class DyndnsServer:
    """What the server holds and answers; change the fields while it runs."""

    url: str = ""
    records: dict[str, str] = field(default_factory=dict)  # host name -> address
    script: list[tuple[int, str]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    journal: Path | None = None
    """Where each request and its answer are appended as a JSON line (None: nowhere)."""

    def answer(self, seen: Seen) -> tuple[int, str]:
        """The scripted answer, else what a well-behaved provider says (journaled)."""
        with self.lock:
            self.requests.append(seen)
            status, body = self._answer(seen)
            if self.journal is not None:
                line = asdict(seen) | {
                    "credentials": seen.credentials,
                    "status": status,
                    "body": body,
                    "records": self.records,
                }
                with self.journal.open("a") as out:
                    out.write(json.dumps(line) + "\n")
            return status, body

    def _answer(self, seen: Seen) -> tuple[int, str]:
        if self.script:
            return self.script.pop(0)
        if seen.path == "/update":
            if seen.query.get("token") != TOKEN:
                return 200, "KO"
            self.records[seen.query["domains"] + ".duckdns.org"] = seen.query["ip"]
            return 200, "OK"
        if seen.credentials != (USER, PASSWORD):
            return 401, "badauth"
        host, address = seen.query.get("hostname", ""), seen.query.get("myip", "")
        code = "nochg" if self.records.get(host) == address else "good"
        self.records[host] = address
        return 200, f"{code} {address}"

    def count(self) -> int:
        """Requests received so far."""
        with self.lock:
            return len(self.requests)


@contextmanager
def dyndns_server(
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    journal: Path | None = None,
) -> Iterator[DyndnsServer]:
    """Run the server for the ``with`` block (HTTPS with ``tls``).

    Args:
        tls: a server context: HTTPS.
        host, port: where to listen (default: an ephemeral loopback port).
        journal: see :attr:`DyndnsServer.journal`.
    """
    state = DyndnsServer(journal=journal)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path not in ("/nic/update", "/update"):
                self.send_error(404)
                return
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            seen = Seen(
                parts.path,
                query,
                self.headers.get("Authorization", ""),
                self.headers.get("User-Agent", ""),
                self.client_address[0],
            )
            status, body = state.answer(seen)
            data = (body + "\n").encode() if body else b""
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    state.url = f"{scheme}://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def serve_in_lab(
    host: str, port: int, journal: str, cert_file: str = "", key_file: str = ""
) -> None:
    """Run the server until killed (in a lab namespace, via ``Lab.spawn_python``).

    Prints ``dyndns: listening on URL`` once it accepts requests.

    Args:
        host, port: where to listen (lab-wan's ISP address).
        journal: the file each request is appended to (see :func:`read_journal`).
        cert_file, key_file: PEM certificate chain and key: HTTPS (else plain HTTP).
    """
    tls = None
    if cert_file:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert_file, key_file)
    with dyndns_server(tls, host, port, Path(journal)) as state:
        print(f"dyndns: listening on {state.url}", flush=True)
        threading.Event().wait()


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The requests a :func:`serve_in_lab` server answered so far, oldest first.

    Each is a :class:`Seen` as a dict plus ``credentials``, ``status`` and
    ``body`` (the answer) and ``records`` (what the server holds after it).
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    # a line being written has no newline yet: the last piece is left out
    return [json.loads(line) for line in text.split("\n")[:-1]]


@pytest.fixture
def provider() -> Iterator[DyndnsServer]:
    """The test dyndns2 / Duck DNS server on loopback, answering ``good``."""
    with dyndns_server() as srv:
        yield srv
