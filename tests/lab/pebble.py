"""Pebble, Let's Encrypt's test CA, on the lab's internet (lab-wan, 203.0.113.1).

::

    https://203.0.113.1:14000/dir    the ACME directory (TLS: a trustme CA, see listener_ca)
    https://203.0.113.1:15000/roots/0, /intermediates/0   the issuing chain (new at every start)

Its validator connects to port 80 (HTTP-01) and 443 (TLS-ALPN-01) of the
address the lab's DNS server (203.0.113.1:53, ``Lab.set_dns_records``) gives
for a name: ``mail.example.be`` is the router's public address 203.0.113.2,
so every validation crosses the router's forwarded ports to lab-lan, as
Let's Encrypt's would cross a real office router.

Debian's ``pebble`` 2.4 package is needed (``/usr/bin/pebble``). It issues
certificates valid for five years unless ``validity`` (seconds, Pebble's
``certificateValidityPeriod``) says otherwise: short-lived certificates let
a test watch a renewal happen on its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.lab.constants import DNS_PORT, ISP_IP, NS_WAN
from tests.lab.process import stop_popen
from tests.lab.runner import NetnsRunner

PEBBLE = Path("/usr/bin/pebble")
ACME_PORT = 14000
MANAGEMENT_PORT = 15000
READY = r"ACME directory available at"


class PebbleCA:
    """One Pebble process in lab-wan: start, fetch its roots, stop.

    Attributes:
        state_dir: where its config, listener certificate, log and roots live.
        listener_ca: PEM of the CA that signed Pebble's own HTTPS listener:
            what ``acme.ca_file`` must name for the directory URL to verify.
        chain_file: Pebble's issuing root and intermediate (PEM, fetched after
            start): the trust anchor a mail client or browser would have.
        root_file: the issuing root alone.
    """

    def __init__(
        self,
        runner: NetnsRunner,
        state_dir: Path,
        *,
        nonce_reject: int = 0,
        authz_reuse: int = 0,
        validity: int | None = None,
    ) -> None:
        """Prepare (not start) a Pebble whose files go to ``state_dir``.

        Args:
            runner: the lab (processes are started in lab-wan through it).
            state_dir: a directory of its own (created).
            nonce_reject: percentage of nonces Pebble rejects on purpose
                (``PEBBLE_WFE_NONCEREJECT``; its own default is 5).
            authz_reuse: percentage of valid authorizations reused for a new
                order (``PEBBLE_AUTHZREUSE``): 0 so that every order is
                validated again and a failure test cannot pass on an old
                success.
            validity: lifetime of issued certificates in seconds (None:
                Pebble's five years).
        """
        self.runner = runner
        self.state_dir = state_dir
        self.nonce_reject = nonce_reject
        self.authz_reuse = authz_reuse
        self.validity = validity
        self.listener_ca = state_dir / "listener-ca.pem"
        self.chain_file = state_dir / "pebble-chain.pem"
        self.root_file = state_dir / "pebble-root.pem"
        self.log = state_dir / "pebble.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def directory_url(self) -> str:
        """The ACME directory URL (what ``acme.directory`` names)."""
        return f"https://{ISP_IP}:{ACME_PORT}/dir"

    @property
    def management_url(self) -> str:
        """Pebble's management interface (roots, intermediates, certificate status)."""
        return f"https://{ISP_IP}:{MANAGEMENT_PORT}"

    def running(self) -> bool:
        """True while the Pebble process lives."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start Pebble in lab-wan, wait for its directory, save its roots.

        Raises LabError (from the runner) when it does not come up.
        """
        if self.running():
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_listener_files()
        self._proc = self.runner.spawn(
            NS_WAN,
            [
                "env",
                "PEBBLE_VA_NOSLEEP=1",  # no random 0-15 s sleep before each validation
                f"PEBBLE_WFE_NONCEREJECT={self.nonce_reject}",
                f"PEBBLE_AUTHZREUSE={self.authz_reuse}",
                str(PEBBLE),
                "-config",
                str(config),
                "-dnsserver",
                f"{ISP_IP}:{DNS_PORT}",
            ],
            log=self.log,
            ready=READY,
            ready_timeout=20,
            track=False,  # ended by stop(), not by the router fixture
        )
        root = self.fetch("/roots/0")
        intermediate = self.fetch("/intermediates/0")
        self.root_file.write_text(root)
        self.chain_file.write_text(intermediate + root)

    def stop(self) -> None:
        """End Pebble (no-op when it is not running)."""
        if self._proc is not None:
            stop_popen(self._proc)
            self._proc = None

    def fetch(self, path: str) -> str:
        """GET ``path`` on the management interface, from lab-wan."""
        result: dict[str, Any] = self.runner.run_python(
            NS_WAN,
            "tests.lab.pebble:https_get",
            self.management_url + path,
            str(self.listener_ca),
            timeout=30,
        )
        if "error" in result:
            raise RuntimeError(f"Pebble {path}: {result['error']}")
        return str(result["body"])

    def log_text(self) -> str:
        """Pebble's log so far (for assertion messages)."""
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def _write_listener_files(self) -> Path:
        import trustme

        ca = trustme.CA(organization_name="pmemail lab: Pebble listener")
        leaf = ca.issue_cert(ISP_IP, "pebble.lab.example")
        ca.cert_pem.write_to_path(str(self.listener_ca))
        cert, key = self.state_dir / "listener-cert.pem", self.state_dir / "listener-key.pem"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        settings: dict[str, object] = {
            "listenAddress": f"{ISP_IP}:{ACME_PORT}",
            "managementListenAddress": f"{ISP_IP}:{MANAGEMENT_PORT}",
            "certificate": str(cert),
            "privateKey": str(key),
            # validation goes to the standard ports of the office's address
            "httpPort": 80,
            "tlsPort": 443,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": False,
        }
        if self.validity is not None:
            settings["certificateValidityPeriod"] = self.validity
        config = self.state_dir / "pebble-config.json"
        config.write_text(json.dumps({"pebble": settings}, indent=1))
        return config


def pebble_missing() -> str | None:
    """Why Pebble tests cannot run here (None when they can)."""
    if not PEBBLE.exists() or shutil.which("env") is None:
        return "needs Debian's pebble (apt-get install --no-install-recommends pebble)"
    return None


def https_get(url: str, cafile: str, timeout: float = 10.0) -> dict[str, Any]:
    """GET ``url`` verifying its certificate against ``cafile`` (runs inside the lab).

    Returns ``{"status", "body"}`` or ``{"error"}``.
    """
    import ssl
    import urllib.request

    context = ssl.create_default_context(cafile=cafile)
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as resp:
            return {"status": resp.status, "body": resp.read().decode()}
    except OSError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
