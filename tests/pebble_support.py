"""A throw-away Pebble (Let's Encrypt's test CA) and its DNS server, on loopback.

``run_pebble(tmp_path, http_port=..., tls_port=...)`` starts ``pebble`` and
``pebble-challtestsrv`` (Debian package ``pebble``, 2.4) on free 127.0.0.1
ports, yields a :class:`Pebble` and stops both. Facts that shape it:

- Pebble's own HTTPS listener needs a certificate the package does not ship:
  one is issued by a ``trustme`` CA, whose PEM (``Pebble.ca_file``) is the
  trust anchor a test config's ``acme.ca_file`` names.
- Pebble's validator connects to ``httpPort`` / ``tlsPort`` of the address the
  DNS gives for a name: the test's own challenge listeners' ports, and the DNS
  is challtestsrv (``-dnsserver``), which answers 127.0.0.1 for every name
  unless a test says otherwise (:meth:`Pebble.add_a`).
- ``PEBBLE_VA_NOSLEEP=1``: no random validation delay. Validation is real
  (never ``PEBBLE_VA_ALWAYS_VALID``); nonce rejection is off unless asked
  (``env={"PEBBLE_WFE_NONCEREJECT": "50"}``), as is authorization reuse, so a
  test's second order is validated again.
- The issuing root is regenerated at every start: :meth:`Pebble.roots` fetches
  it from the management port (``GET /roots/0``) to verify issued chains.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from tests.config_factory import free_port

PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"
CHALLTESTSRV = shutil.which("pebble-challtestsrv") or "/usr/bin/pebble-challtestsrv"
_START_WAIT = 15.0


@dataclass
class Pebble:
    """A running Pebble and challtestsrv, and how a test config reaches them."""

    directory: str
    """The ACME directory URL (``acme.directory``)."""
    ca_file: Path
    """PEM of the CA that issued Pebble's HTTPS certificate (``acme.ca_file``)."""
    dns: str
    """challtestsrv's DNS server as ``host:port`` (``network.resolver``)."""
    http_port: int
    """Where Pebble's validator sends HTTP-01 requests."""
    tls_port: int
    """Where Pebble's validator opens TLS-ALPN-01 handshakes."""
    management: str
    """Pebble's management URL (``/roots/0``, ``/intermediates/0``)."""
    challtestsrv: str
    """challtestsrv's management URL (``/add-a``, ``/set-default-ipv4``, ...)."""
    root: Path
    """The folder holding both processes' files and logs."""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def overrides(self, **acme: Any) -> dict[str, dict[str, Any]]:
        """``config_factory`` overrides: ACME on, pointed at this Pebble and its DNS."""
        values: dict[str, Any] = {
            "enabled": True,
            "directory": self.directory,
            "ca_file": str(self.ca_file),
            "timeout": 60.0,
        }
        values.update(acme)
        return {"acme": values, "network": {"resolver": self.dns, "dns_timeout": 2.0}}

    def roots(self) -> bytes:
        """The PEM of Pebble's current issuing root (regenerated at each start)."""
        return self._management("/roots/0")

    def intermediates(self) -> bytes:
        """The PEM of Pebble's current intermediate."""
        return self._management("/intermediates/0")

    def add_a(self, host: str, addresses: list[str]) -> None:
        """Make the DNS answer ``addresses`` for ``host`` (instead of the default)."""
        self._post("/add-a", {"host": _fqdn(host), "addresses": addresses})

    def clear_a(self, host: str) -> None:
        """Back to the default address for ``host``."""
        self._post("/clear-a", {"host": _fqdn(host)})

    def set_default_ipv4(self, address: str) -> None:
        """The address every name without its own record resolves to."""
        self._post("/set-default-ipv4", {"ip": address})

    def stop_ca(self) -> None:
        """Stop Pebble itself (the DNS stays): the CA is down."""
        _stop(self.processes[0])

    def stop(self) -> None:
        """Stop both processes."""
        for proc in self.processes:
            _stop(proc)

    def log(self) -> str:
        """Pebble's and challtestsrv's output so far (for assertion messages)."""
        return "".join(
            p.read_text(errors="replace") for p in sorted(self.root.glob("*.log")) if p.is_file()
        )

    def _management(self, path: str) -> bytes:
        answer = requests.get(self.management + path, verify=str(self.ca_file), timeout=10)
        answer.raise_for_status()
        return answer.content

    def _post(self, path: str, body: Mapping[str, object]) -> None:
        answer = requests.post(self.challtestsrv + path, json=body, timeout=10)
        answer.raise_for_status()


@contextmanager
def run_pebble(
    tmp: Path,
    *,
    http_port: int | None = None,
    tls_port: int | None = None,
    env: Mapping[str, str] | None = None,
    validity: int | None = None,
    default_ipv4: str = "127.0.0.1",
) -> Iterator[Pebble]:
    """Start Pebble and challtestsrv on loopback; skip the test when not installed.

    Args:
        tmp: a folder of the test's own (``tmp_path``); files go in ``tmp/pebble``.
        http_port: the port Pebble validates HTTP-01 on (default: a free one).
        tls_port: the port Pebble validates TLS-ALPN-01 on (default: a free one).
        env: more environment for Pebble (``PEBBLE_WFE_NONCEREJECT``...).
        validity: the issued certificates' lifetime in seconds (Pebble's
            ``certificateValidityPeriod``; default: Pebble's own, 5 years).
        default_ipv4: the DNS answer for every name without its own record.
    """
    for binary in (PEBBLE, CHALLTESTSRV):
        if not os.access(binary, os.X_OK):
            pytest.skip(f"{binary} not installed (Debian package pebble)")
    root = tmp / "pebble"
    root.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca_file = root / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    listener = ca.issue_cert("127.0.0.1", "localhost")
    listener.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
    listener.private_key_pem.write_to_path(str(root / "key.pem"))
    acme_port, mgmt_port, dns_port, chall_port = (free_port() for _ in range(4))
    pebble = Pebble(
        directory=f"https://127.0.0.1:{acme_port}/dir",
        ca_file=ca_file,
        dns=f"127.0.0.1:{dns_port}",
        http_port=http_port or free_port(),
        tls_port=tls_port or free_port(),
        management=f"https://127.0.0.1:{mgmt_port}",
        challtestsrv=f"http://127.0.0.1:{chall_port}",
        root=root,
    )
    settings: dict[str, object] = {
        "listenAddress": f"127.0.0.1:{acme_port}",
        "managementListenAddress": f"127.0.0.1:{mgmt_port}",
        "certificate": str(root / "cert.pem"),
        "privateKey": str(root / "key.pem"),
        "httpPort": pebble.http_port,
        "tlsPort": pebble.tls_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }
    if validity is not None:
        settings["certificateValidityPeriod"] = validity
    (root / "pebble-config.json").write_text(json.dumps({"pebble": settings}))
    pebble_env = {
        **os.environ,
        "PEBBLE_VA_NOSLEEP": "1",
        "PEBBLE_WFE_NONCEREJECT": "0",
        "PEBBLE_AUTHZREUSE": "0",
        **(env or {}),
    }
    try:
        # challtestsrv first: Pebble's validator asks it from its first order on
        pebble.processes.append(
            _spawn(
                [
                    CHALLTESTSRV,
                    "-dns01",
                    pebble.dns,
                    "-management",
                    f"127.0.0.1:{chall_port}",
                    "-defaultIPv4",
                    default_ipv4,
                    "-defaultIPv6",
                    "",
                    "-http01",
                    "",
                    "-https01",
                    "",
                    "-tlsalpn01",
                    "",
                ],
                root / "challtestsrv.log",
                dict(os.environ),
            )
        )
        _wait_listening(chall_port, pebble)
        pebble.processes.insert(
            0,
            _spawn(
                [
                    PEBBLE,
                    "-config",
                    str(root / "pebble-config.json"),
                    "-dnsserver",
                    pebble.dns,
                ],
                root / "pebble.log",
                pebble_env,
            ),
        )
        _wait_listening(acme_port, pebble)
        _wait_listening(mgmt_port, pebble)
        yield pebble
    finally:
        pebble.stop()


def _spawn(argv: list[str], log: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )


def _wait_listening(port: int, pebble: Pebble) -> None:
    deadline = time.monotonic() + _START_WAIT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in pebble.processes):
            break
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"Pebble did not listen on 127.0.0.1:{port}:\n{pebble.log()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _fqdn(host: str) -> str:
    return host if host.endswith(".") else host + "."
