"""``pmemail cert status|renew`` as real processes, with and without a running server."""

from __future__ import annotations

import imaplib
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from mailcore.certs.info import CertInfo
from mailcore.status import CertificateStatus
from pmemail.config.paths import DataPaths
from pmemail.serve.control import query_control_sync
from tests.certs_support import put_acme_chain
from tests.config_factory import Overrides
from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail

KEYS = set(CertificateStatus.__required_keys__)
HOST = f"mail.{DOMAIN}"


def _setup(root: Path, overrides: Overrides | None = None) -> ServeSetup:
    setup = ServeSetup(root, overrides=overrides or {})
    setup.write()
    return setup


def _run(setup: ServeSetup, *args: str) -> tuple[int, str, str]:
    result = pmemail(setup, *args)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def serve_setup(tmp_path: Path) -> ServeSetup:
    return _setup(tmp_path)


@pytest.fixture
def server(serve_setup: ServeSetup) -> Iterator[Server]:
    srv = Server(serve_setup)
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.kill()


def test_status_offline_json(tmp_path: Path) -> None:
    """No server: the document from the files, self-signed for the host name, exit 1."""
    setup = _setup(tmp_path)
    code, out, err = _run(setup, "cert", "status", "--json")
    assert code == 1, err
    doc = json.loads(out)
    assert set(doc) == KEYS
    assert doc["source"] == "self-signed" and doc["trusted"] is False
    assert doc["subject"] == HOST and f"autodiscover.{DOMAIN}" in doc["names"]
    assert doc["acme_enabled"] is False and doc["wanted_names"] == [HOST]
    assert doc["last_failure"] is None and doc["failures"] == 0
    on_disk = CertInfo.from_pem((DataPaths(setup.data).tls_dir / "cert.pem").read_bytes())
    assert doc["fingerprint_sha256"] == on_disk.fingerprint_sha256


def test_status_offline_acme_is_trusted(tmp_path: Path) -> None:
    """No server, a valid ACME chain on disk: it is what a start would serve, exit 0."""
    setup = _setup(tmp_path)
    put_acme_chain(DataPaths(setup.data), trustme.CA(), HOST)
    code, out, err = _run(setup, "cert", "status")
    assert code == 0, err
    assert out.startswith("Trusted certificate from") and "renewed automatically" in out


def test_status_in_french(tmp_path: Path) -> None:
    """The human lines follow the config's language."""
    setup = _setup(tmp_path, {"": {"language": "fr"}})
    code, out, _err = _run(setup, "cert", "status")
    assert code == 1 and "Certificat auto-signé" in out and "(SHA-256)" in out


def test_renew_without_server_exits_3(tmp_path: Path) -> None:
    """renew needs the running server: exit 3 and one line saying so."""
    code, out, err = _run(_setup(tmp_path), "cert", "renew")
    assert code == 3 and out == ""
    assert err.startswith("pmemail: pmemail serve is not running") and err.count("\n") == 1


def _imap_fingerprint(port: int) -> str:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        client.starttls(ctx)
        der = client.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
        assert isinstance(der, bytes)
        return CertInfo.from_der(der).fingerprint_sha256
    finally:
        client.logout()


def test_status_from_the_running_server(serve_setup: ServeSetup, server: Server) -> None:
    """With a server, the answer is what its listeners serve, not what the files say now."""
    code, out, err = _run(serve_setup, "cert", "status", "--json")
    assert code == 1, err
    served = json.loads(out)
    assert served["subject"] == HOST and served["source"] == "self-signed"
    assert served["fingerprint_sha256"] == _imap_fingerprint(serve_setup.ports["imap"])
    # a chain appears on disk: nothing reloaded it, so the server still serves the old one
    put_acme_chain(DataPaths(serve_setup.data), trustme.CA(), HOST)
    code, out, err = _run(serve_setup, "cert", "status", "--json")
    assert code == 1, err
    assert json.loads(out)["fingerprint_sha256"] == served["fingerprint_sha256"]


def test_renew_with_acme_off(serve_setup: ServeSetup, server: Server) -> None:
    """ACME off: the control socket answers an id; the CLI words it and exits 1."""
    answer = query_control_sync(serve_setup.socket, {"cmd": "cert-renew"})
    assert answer["ok"] is False and answer["error"] == "acme_off"
    assert answer["certificate"]["last_failure"] == {"code": "acme_off", "params": {}}

    code, out, err = _run(serve_setup, "cert", "renew", "--json")
    assert code == 1, err
    assert json.loads(out)["last_failure"]["code"] == "acme_off"
    code, out, err = _run(serve_setup, "cert", "renew")
    assert code == 1, err
    assert "turned off (acme.enabled = false)" in out
