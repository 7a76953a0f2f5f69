"""The office of the certificate lab tests: pmemail serving in lab-lan behind the router,
Pebble on the internet, and what an outside client sees of it.

:func:`start_office` writes the config (``config_factory.write_config``, the
standard port plan, ACME pointed at the lab's Pebble), publishes the office's
DNS records, maps the ports with ``pmemail ports apply`` and starts
``pmemail serve`` in lab-lan. :func:`tls_probe` is ``openssl s_client`` run
from lab-wan against the office's public address.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from mailcore.users import UserStore
from pmemail.config import DataPaths, load_config
from pmemail.serve.control import ControlError, query_control_sync
from pmemail.serve.pidfile import read_pid
from tests.config_factory import Overrides, write_config
from tests.lab import Lab
from tests.lab.constants import ISP_IP, NS_LAN, NS_WAN, WAN_IP
from tests.lab.dns_server import EXAMPLE_RECORDS
from tests.lab.pebble import PebbleCA
from tests.lab.process import alive, kill_pids, stop_popen, wait_for_log

DOMAIN = "example.be"
HOST = f"mail.{DOMAIN}"
USER, PASSWORD = f"anna@{DOMAIN}", "correct horse battery staple"
CLIENT_NAMES = [f"autoconfig.{DOMAIN}", f"autodiscover.{DOMAIN}"]
"""Published at the office too: the certificate must cover them (mta-sts. is not)."""
TLS_PORTS = {25: "smtp", 1234: "smtp", 143: "imap", 110: "pop3", 443: ""}
"""External port -> ``openssl s_client -starttls`` protocol ("" = TLS from the start)."""

RECORDS = [*EXAMPLE_RECORDS, *({"name": n, "type": "A", "value": WAN_IP} for n in CLIENT_NAMES)]
"""The lab's default zone plus the client-configuration names, all at the office."""

_SERVED = {"smtp": 25, "submission": 1234, "imap": 143, "pop3": 110, "webmail": 80, "https": 443}
OFFICE: Overrides = {
    "mail": {"domain": DOMAIN, "hostname": HOST, "submission_extra_ports": []},
    "server": {"manage_router": True},
    "network": {
        "echo_url": [f"http://{ISP_IP}"],
        "resolver": ISP_IP,
        "dns_timeout": 1.0,
        "http_timeout": 3.0,
        "upnp_discover_ms": 300,
        "natpmp_timeout": 0.5,
        "monitor_interval": 1.0,
    },
    **{f"ports.{name}": {"external": port, "internal": port} for name, port in _SERVED.items()},
    "ports.remote_desktop": {"enabled": False},
}
"""Standard ports on 0.0.0.0 (written with ``loopback=False``), lab DNS and echo service."""


def acme_overrides(pebble: PebbleCA, **acme: Any) -> Overrides:
    """ACME on, pointed at the lab's Pebble; one attempt per test unless it says otherwise."""
    values: dict[str, Any] = {
        "enabled": True,
        "directory": pebble.directory_url,
        "ca_file": str(pebble.listener_ca),
        "timeout": 60.0,
        "check_interval": 1.0,
        "retry_first": 3600.0,  # a failure stays the last word during the test
        "retry_max": 3600.0,
    }
    values.update(acme)
    return {"acme": values}


@dataclass
class Office:
    """pmemail running in lab-lan, and the commands an admin would type there."""

    lab: Lab
    pebble: PebbleCA
    config: Path
    data: Path
    server: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data / "logs" / "pmemail.log"

    def pmemail(self, *args: str, timeout: float = 120) -> tuple[int, str, str]:
        """``pmemail --config CONFIG ARGS`` in lab-lan: exit code, stdout, stderr."""
        res = self.lab.run(
            NS_LAN,
            [sys.executable, "-m", "pmemail", "--config", str(self.config), *args],
            check=False,
            timeout=timeout,
        )
        return res.returncode, res.stdout, res.stderr

    def cert_status(self) -> dict[str, Any]:
        """``pmemail cert status --json``."""
        code, out, err = self.pmemail("cert", "status", "--json")
        assert out.strip(), f"exit {code}: {err}"
        status: dict[str, Any] = json.loads(out)
        return status

    def wait_status(self, done: Callable[[dict[str, Any]], bool], seconds: float) -> dict[str, Any]:
        """Poll the certificate status until ``done`` says so (the last status either way)."""
        deadline = time.monotonic() + seconds
        while True:
            status = self.cert_status()
            if done(status) or time.monotonic() > deadline:
                return status
            time.sleep(0.5)

    def serve(self) -> None:
        """Start ``pmemail serve`` in lab-lan and wait until it runs."""
        self.server = self.lab.spawn(
            NS_LAN, [sys.executable, "-m", "pmemail", "--config", str(self.config), "serve"]
        )
        wait_for_log(self.log, ["pmemail serve running"], timeout=60, proc=self.server)

    def stop(self) -> None:
        """Stop the server (SIGTERM, as a service manager does)."""
        if self.server is not None:
            stop_popen(self.server, grace_s=30)
            self.server = None

    def stop_daemon(self) -> None:
        """Stop a server the app started (a daemon: its control socket's ``stop``)."""
        paths = DataPaths.from_config(load_config(self.config), self.config)
        pid = read_pid(paths.pidfile)
        try:
            query_control_sync(paths.control_socket, {"cmd": "stop"}, timeout=5)
        except ControlError:
            pass
        deadline = time.monotonic() + 30
        while pid and alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid:
            kill_pids([pid])

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (for assertion messages)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def prepare_office(
    lab: Lab,
    pebble: PebbleCA,
    tmp_path: Path,
    *overrides: Overrides,
    forward_80: bool = True,
    records: dict[str, str] | None = None,
) -> Office:
    """Config, user, DNS, ``doctor`` and ``ports apply``, in the wizard's order (no server).

    The doctor's run records the office's public address (the IP history),
    which the renewal compares with a name's DNS address to tell "the DNS
    points elsewhere" from "port 80 is closed".

    Args:
        lab: the router lab.
        pebble: the CA on the internet.
        tmp_path: the test's directory (config and data dir).
        overrides: applied after the office's and ACME's own.
        forward_80: False deletes the router's mapping of port 80 after
            ``ports apply`` (and serve must then not manage the router, or it
            would put it back: pass ``{"server": {"manage_router": False}}``).
        records: name -> address replacing the A records of :data:`RECORDS`.
    """
    setup = write_config(tmp_path, OFFICE, acme_overrides(pebble), *overrides, loopback=False)
    data = setup.paths.root
    UserStore(data / "users.sqlite3", [DOMAIN]).add_user(USER, PASSWORD)
    changed = records or {}
    lab.set_dns_records(
        [r for r in RECORDS if not (r["type"] == "A" and r["name"] in changed)]
        + [{"name": n, "type": "A", "value": a} for n, a in changed.items()]
    )
    office = Office(lab, pebble, setup.path, data)
    office.pmemail("doctor", "--json")  # its verdict is not this test's business
    code, out, err = office.pmemail("ports", "apply", "--json")
    assert code == 0, out + err
    if not forward_80:
        gone = lab.run_python(NS_LAN, "tests.lab.snippets:upnp_delete", 80)
        assert gone["ok"], gone
    return office


def start_office(
    lab: Lab,
    pebble: PebbleCA,
    tmp_path: Path,
    *overrides: Overrides,
    forward_80: bool = True,
    records: dict[str, str] | None = None,
) -> Office:
    """:func:`prepare_office`, then ``pmemail serve`` in lab-lan."""
    office = prepare_office(
        lab, pebble, tmp_path, *overrides, forward_80=forward_80, records=records
    )
    office.serve()
    return office


@dataclass(frozen=True)
class Probe:
    """What ``openssl s_client`` saw on one port."""

    verified: bool
    """The chain verified up to the given CA file and the name matched."""
    leaf: x509.Certificate | None
    output: str

    @property
    def fingerprint(self) -> str:
        """The leaf's SHA-256 as ``AB:CD:...`` (the status document's form)."""
        assert self.leaf is not None, self.output
        digest = hashlib.sha256(self.leaf.public_bytes(Encoding.DER)).hexdigest().upper()
        return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))

    @property
    def names(self) -> list[str]:
        """The leaf's DNS names."""
        assert self.leaf is not None, self.output
        san = self.leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        return [str(n) for n in san.value.get_values_for_type(x509.DNSName)]


def tls_probe(lab: Lab, port: int, cafile: Path | None, name: str = HOST) -> Probe:
    """``openssl s_client`` from the internet (lab-wan) to the office's ``port``.

    STARTTLS where the port speaks it (:data:`TLS_PORTS`), SNI = ``name``.
    With ``cafile``: ``-verify_hostname`` = ``name`` and that file as the only
    trust anchor (the server must send its intermediate, as for any mail
    client); None only reads the certificate served (a self-signed one too).
    """
    argv = ["openssl", "s_client", "-connect", f"{WAN_IP}:{port}", "-servername", name]
    if cafile is not None:
        argv += ["-CAfile", str(cafile), "-verify_hostname", name, "-verify_return_error"]
    if TLS_PORTS[port]:
        argv += ["-starttls", TLS_PORTS[port]]
    res = lab.run(NS_WAN, argv, check=False, timeout=30, input_text="")
    output = res.stdout + res.stderr
    verified = cafile is not None and res.returncode == 0 and "Verify return code: 0 (ok)" in output
    pem = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", output, re.S)
    leaf = x509.load_pem_x509_certificate(pem.group(0).encode()) if pem else None
    return Probe(verified, leaf, output)


def http_from_internet(
    lab: Lab, method: str, path: str, headers: dict[str, str], body: str = ""
) -> dict[str, Any]:
    """One plain HTTP request from lab-wan to the office's port 80."""
    answer: dict[str, Any] = lab.run_python(
        NS_WAN,
        "tests.certs_lab_clients:http_request",
        WAN_IP,
        80,
        method,
        path,
        headers,
        body,
        timeout=30,
    )
    return answer
