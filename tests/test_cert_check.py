"""The doctor's served-certificate check against a real ``pmemail serve`` on loopback.

Every TLS port (SMTP 25 and submission with STARTTLS, implicit TLS, IMAP
STARTTLS, POP3 STLS, HTTPS) is read as a mail program reads it: with the
self-signed certificate (a warning with the fingerprint), with a certificate
from a CA (trustme) covering the host name (ok), and with one about to expire.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from mailcore.certs.info import CertInfo
from netcore.checks.result import CheckResult
from netcore.checks.runner import run_checks
from netcore.tls_probe import TlsEndpoint, tls_endpoints
from pmemail.app.cert_check import certificate_rows, check_endpoint, judge_certificate
from pmemail.config import DataPaths, load_config
from pmemail.config.model import Config
from tests.config_factory import free_port
from tests.dashboard_support import dashboard_setup, echo_stub
from tests.serve_support import DOMAIN, Server, ServeSetup

HOSTNAME = f"mail.{DOMAIN}"
NAMES = {"smtp", "submission", "submission-extra", "smtps", "imap", "pop3", "https"}


def tls_overrides(root: Path, cert: trustme.LeafCert | None = None) -> dict[str, Any]:
    """Every TLS port on: an extra submission port, implicit TLS, HTTPS; the admin's cert."""
    mail: dict[str, Any] = {"submission_extra_ports": [free_port()], "smtps_port": free_port()}
    if cert is not None:
        cert_file, key_file = root / "cert.pem", root / "key.pem"
        cert.cert_chain_pems[0].write_to_path(cert_file)
        cert.private_key_pem.write_to_path(key_file)
        mail |= {"tls_cert": str(cert_file), "tls_key": str(key_file)}
    return {"mail": mail, "server": {"https_port": free_port()}}


@pytest.fixture
def running(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Config]:
    cert = getattr(request, "param", None)
    setup = ServeSetup(tmp_path, overrides=tls_overrides(tmp_path, cert))
    setup.write()
    server = Server(setup)
    try:
        server.wait_ready()
        yield load_config(setup.config)
    finally:
        server.kill()


def check_all(config: Config) -> dict[str, CheckResult]:
    results = {}
    for endpoint in tls_endpoints(config):
        name = "submission-extra" if endpoint.name.startswith("submission-") else endpoint.name
        results[name] = check_endpoint(config, endpoint)
    return results


def test_endpoints_cover_every_tls_port_of_the_server(tmp_path: Path) -> None:
    setup = ServeSetup(tmp_path, overrides=tls_overrides(tmp_path))
    setup.write()
    config = load_config(setup.config)
    found = {e.name: (e.port, e.starttls) for e in tls_endpoints(config)}
    extra = config.mail.submission_extra_ports[0]
    assert found == {
        "smtp": (config.ports.smtp.internal, "smtp"),
        "submission": (config.ports.submission.internal, "smtp"),
        f"submission-{extra}": (extra, "smtp"),
        "smtps": (config.mail.smtps_port, "none"),
        "imap": (config.ports.imap.internal, "imap"),
        "pop3": (config.ports.pop3.internal, "pop3"),
        "https": (config.server.https_port, "none"),
    }


def test_self_signed_certificate_is_a_warning_with_its_fingerprint(running: Config) -> None:
    """The generated certificate, on every port: valid for the name, self-signed, fingerprint."""
    results = check_all(running)
    assert set(results) == NAMES
    served = CertInfo.from_pem((DataPaths.from_config(running).tls_dir / "cert.pem").read_bytes())
    for name, result in results.items():
        assert result.status == "warn", (name, result.finding)
        assert result.finding == (
            f"self-signed: staff must check the SHA-256 fingerprint {served.fingerprint_sha256}"
        )
        assert result.details["fingerprint_sha256"] == served.fingerprint_sha256
        assert result.id.startswith("certificate.")
        assert result.advice


CA = trustme.CA()


@pytest.mark.parametrize("running", [CA.issue_cert(HOSTNAME)], indirect=True)
def test_a_ca_certificate_for_the_hostname_is_ok(running: Config) -> None:
    results = check_all(running)
    assert set(results) == NAMES
    for name, result in results.items():
        assert result.status == "ok", (name, result.finding)
        assert result.finding.startswith(f"valid for {HOSTNAME} until ")
        assert "issued by" in result.finding and not result.advice


SOON = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5, hours=1)


@pytest.mark.parametrize("running", [CA.issue_cert(HOSTNAME, not_after=SOON)], indirect=True)
def test_a_certificate_near_its_end_is_a_warning(running: Config) -> None:
    results = check_all(running)
    for name, result in results.items():
        assert result.status == "warn", (name, result.finding)
        assert "in 5 day(s)" in result.finding


@pytest.mark.parametrize("running", [CA.issue_cert("other.example.org")], indirect=True)
def test_a_certificate_for_another_name_fails_in_french_too(running: Config) -> None:
    result = check_all(running)["imap"]
    assert result.status == "fail"
    assert result.finding == f"not valid for {HOSTNAME} (names: other.example.org)"
    running.language = "fr"
    french = check_all(running)["pop3"]
    assert french.finding == f"pas valable pour {HOSTNAME} (noms : other.example.org)"
    assert french.title.startswith("Certificat sur ")


def test_no_server_skips_with_what_to_do(tmp_path: Path) -> None:
    setup = ServeSetup(tmp_path)
    setup.write()
    config = load_config(setup.config)
    result = check_endpoint(config, TlsEndpoint("imap", config.ports.imap.internal, "imap"))
    assert result.status == "skipped"
    assert "is pmemail serve running?" in result.finding
    assert result.advice.startswith("start the server")


def test_expired_certificate_fails() -> None:
    info = CertInfo(HOSTNAME, "R11", (HOSTNAME,), 0.0, 1000.0, "AA", False)
    result = judge_certificate(TlsEndpoint("smtp", 25, "smtp"), info, HOSTNAME, 2000.0, "en")
    assert result.status == "fail" and result.finding.startswith("expired on ")


def test_the_doctor_runs_the_rows_with_its_own(tmp_path: Path) -> None:
    """run_checks(extra=certificate_rows(config)): the rows land in the report's JSON."""
    with echo_stub() as echo:
        setup: ServeSetup = dashboard_setup(tmp_path, echo.url)
        config = load_config(setup.config)
        paths = DataPaths.from_config(config, setup.config)
        rows = certificate_rows(config)
        report = asyncio.run(run_checks(config, paths, extra=rows))
    checks = {c["id"]: c for c in report.to_dict()["checks"]}
    for row in rows:
        assert checks[row.id]["status"] == "skipped"  # no server runs in this test
    assert "dns" in checks and "certificate.imap" in checks
