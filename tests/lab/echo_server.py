"""echoip-compatible HTTP service, run in lab-wan on 203.0.113.1:80.

``GET /ip`` returns the caller's address plus a newline (like ifconfig.co).
``GET /port/N`` really connects back (TCP, 2 s timeout) to the caller's
address on port N and answers JSON like ifconfig.co:
``{"ip": "203.0.113.2", "port": N, "reachable": true}``.  A check run from
inside the office (no hairpin NAT) would prove nothing: this one comes from
the outside, as the real service does.  Stdlib only.

Usage: python echo_server.py BIND_IP [PORT]
"""

from __future__ import annotations

import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONNECT_TIMEOUT_S = 2.0


def reachable(ip: str, port: int, source: str) -> bool:
    """True if a TCP connection from ``source`` to ip:port is accepted."""
    try:
        with socket.create_connection((ip, port), CONNECT_TIMEOUT_S, (source, 0)):
            return True
    except OSError:
        return False


class EchoHandler(BaseHTTPRequestHandler):
    """Handles /ip and /port/N."""

    server_version = "lab-echoip/1"

    def do_GET(self) -> None:
        """Answer /ip and /port/N; 404 for anything else."""
        caller = self.client_address[0]
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/ip":
            self._reply(200, "text/plain", f"{caller}\n")
            return
        if path.startswith("/port/") and path[6:].isdigit():
            port = int(path[6:])
            if 0 < port < 65536:
                source = self.connection.getsockname()[0]  # 203.0.113.1
                body = {
                    "ip": caller,
                    "port": port,
                    "reachable": reachable(caller, port, source),
                }
                self._reply(200, "application/json", json.dumps(body) + "\n")
                return
        self._reply(404, "text/plain", "not found\n")

    def _reply(self, status: int, ctype: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Log to stdout (the lab's log file), one line a request."""
        print(f"echo: {self.client_address[0]} {format % args}", flush=True)


def main(argv: list[str]) -> None:
    """Serve forever on BIND_IP:PORT."""
    bind_ip = argv[1]
    port = int(argv[2]) if len(argv) > 2 else 80
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer((bind_ip, port), EchoHandler)
    print(f"echo: listening on {bind_ip}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
