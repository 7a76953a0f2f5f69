"""Issue 13's "Done when", in the router lab: a real certificate from Pebble through the router.

pmemail serves in lab-lan behind the lab's miniupnpd router; Pebble (Let's
Encrypt's test CA) runs on the internet side (lab-wan) and validates
``http://mail.example.be/.well-known/acme-challenge/...`` through the router's
forwarded port 80. Then only outside clients judge: ``openssl s_client`` on
every TLS port and Chromium on the webmail, trusting Pebble's root as they
would trust a public CA; plain HTTP from the internet never gets a login;
a renewal reaches every listener while an IMAP IDLE connection stays open;
and each failure (port 80 not forwarded, DNS pointing elsewhere, CA down)
ends in one failure id, one sentence and a self-signed certificate with the
right names.

Run under the lab lock, one file at a time:
``python -m pytest tests/test_certs_lab.py`` (root, Debian's pebble, chromium, certutil).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from mailcore.webmail.sessions import COOKIE
from tests.certs_lab_support import (
    CLIENT_NAMES,
    DOMAIN,
    HOST,
    PASSWORD,
    TLS_PORTS,
    USER,
    Office,
    prepare_office,
    start_office,
    tls_probe,
)
from tests.certs_lab_support import http_from_internet as http
from tests.lab import Lab
from tests.lab.constants import NS_LAN, NS_WAN, REMOTE_IP, WAN_IP
from tests.lab.pebble import PebbleCA

pytestmark = [pytest.mark.lab, pytest.mark.slow, pytest.mark.timeout(400)]

CLIENTS = "tests.certs_lab_clients"
BROWSER_TIMEOUT = 120


def from_acme(status: dict[str, Any]) -> bool:
    return bool(status["source"] == "acme")


def has_failed(status: dict[str, Any]) -> bool:
    return status["last_failure"] is not None


def browser(lab: Lab, url: str, home: Path, login: list[str] | None = None) -> dict[str, Any]:
    """Chromium in lab-wan, ``mail.example.be`` mapped to the office's public address."""
    seen: dict[str, Any] = lab.run_python(
        NS_WAN,
        f"{CLIENTS}:browser_visit",
        url,
        str(home),
        {HOST: WAN_IP},
        login,
        str(home / "last.png"),
        timeout=BROWSER_TIMEOUT,
    )
    return seen


def test_pebble_certificate_everywhere_and_no_login_over_http(
    router: Lab, pebble: PebbleCA, tmp_path: Path
) -> None:
    """ports apply + serve: the certificate comes through port 80 and every port presents it."""
    office = start_office(router, pebble, tmp_path)
    status = office.wait_status(from_acme, 120)
    assert from_acme(status), f"{status}\n{office.log_tail()}\n{pebble.log_text()[-2000:]}"
    assert status["trusted"] and status["last_failure"] is None, status
    assert status["issuer"].startswith("Pebble Intermediate CA"), status
    assert sorted(status["names"]) == sorted([HOST, *CLIENT_NAMES]), status
    assert status["wanted_names"][0] == HOST

    for port in TLS_PORTS:
        probe = tls_probe(router, port, pebble.root_file)
        assert probe.verified, f"port {port}:\n{probe.output[-2500:]}"
        assert probe.fingerprint == status["fingerprint_sha256"], port
    # Outlook asks autodiscover.<domain> over HTTPS: the same certificate covers it
    assert tls_probe(router, 443, pebble.root_file, name=f"autodiscover.{DOMAIN}").verified

    home = tmp_path / "browser-home"
    router.run_python(NS_WAN, f"{CLIENTS}:trust_home", str(home), str(pebble.root_file))
    page = browser(router, f"https://{HOST}/", home, [USER, PASSWORD])
    assert "error" not in page, page
    assert page["issuer"].startswith("Pebble Intermediate CA"), page
    assert page["url"].startswith(f"https://{HOST}/mail"), page
    assert page["hsts"].startswith("max-age="), page  # trusted certificate: HSTS on
    session = next(c for c in page["cookies"] if c["name"] == COOKIE)
    assert session["secure"] and session["httpOnly"] and session["sameSite"] != "None", session
    # typed without https://, the browser lands on HTTPS before any form
    page = browser(router, f"http://{HOST}/login", home)
    assert page["url"] == f"https://{HOST}/login", page

    # port 80 from the internet: the redirect names the configured host, whatever Host says
    for host in (HOST, "evil.example", WAN_IP):
        got = http(router, "GET", "/", {"Host": host})
        assert got["status"] == 301 and got["location"] == f"https://{HOST}/", (host, got)
    got = http(router, "GET", "/login?next=%2Fmail", {"Host": "evil.example"})
    target = urlsplit(got["location"])
    assert (target.scheme, target.netloc, target.path) == ("https", HOST, "/login"), got
    form = urlencode({"address": USER, "password": PASSWORD, "_csrf": "x"})
    got = http(
        router,
        "POST",
        "/login",
        {"Host": HOST, "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    assert got["status"] == 308 and got["location"] == f"https://{HOST}/login", got
    assert not any(c.startswith(f"{COOKIE}=") for c in got["set_cookie"]), got
    assert "pmemail serve running" in office.log.read_text()  # the same server all along
    office.stop()


@pytest.mark.parametrize("pebble", [{"validity": 40}], indirect=True)
def test_renewal_reaches_every_port_while_an_idle_connection_stays(
    router: Lab, pebble: PebbleCA, tmp_path: Path
) -> None:
    """Short-lived certificates renew on their own; an IDLE opened before keeps working."""
    office = start_office(router, pebble, tmp_path, {"acme": {"renew_before_days": 0.0002}})
    first = office.wait_status(from_acme, 120)
    assert from_acme(first), f"{first}\n{office.log_tail()}"
    go, result = tmp_path / "idle-go", tmp_path / "idle-result.json"
    idle = router.spawn_python(
        NS_WAN,
        f"{CLIENTS}:idle_session",
        WAN_IP,
        143,
        HOST,
        str(pebble.root_file),
        USER,
        PASSWORD,
        str(go),
        str(result),
        ready="idling",
    )
    opened_with = Path(f"{result}.opened").read_text()
    assert opened_with == first["fingerprint_sha256"]

    renewed = office.wait_status(lambda s: s["fingerprint_sha256"] != opened_with, 120)
    assert renewed["fingerprint_sha256"] != opened_with, f"{renewed}\n{office.log_tail()}"
    assert from_acme(renewed) and renewed["last_failure"] is None, renewed
    for port in TLS_PORTS:
        probe = tls_probe(router, port, pebble.root_file)
        assert probe.verified, f"port {port}:\n{probe.output[-2500:]}"
        assert probe.fingerprint != opened_with, port

    # a message arriving now is pushed to the IDLE opened under the old certificate
    sent = router.run_python(
        NS_WAN,
        "tests.serve_lab_clients:mx_deliver",
        WAN_IP,
        25,
        REMOTE_IP,
        USER,
        "<after-renewal@remote.example>",
        timeout=60,
    )
    assert sent == {"refused": {}}
    go.touch()
    idle.wait(timeout=60)
    session = json.loads(result.read_text())
    assert "error" not in session, session
    assert session["fingerprint"] == opened_with
    assert any(line.endswith("EXISTS") for line in session["during_idle"]), session
    assert session["done"].startswith("OK") and session["noop"].startswith("OK"), session
    assert office.server is not None and office.server.poll() is None  # never restarted
    office.stop()


def assert_fallback(office: Office, status: dict[str, Any], code: str) -> None:
    """One failure id, its sentence, and a self-signed certificate with the right names."""
    assert status["last_failure"] is not None, f"{status}\n{office.log_tail()}"
    assert status["last_failure"]["code"] == code, status
    assert status["source"] == "self-signed" and not status["trusted"], status
    assert HOST in status["names"], status
    from pmemail.app.cert_wording import failure_text

    sentence = failure_text(status["last_failure"], "en")
    code_, out, _ = office.pmemail("cert", "status")
    assert code_ == 1
    assert sentence in out, out
    served = tls_probe(office.lab, 443, None)
    assert served.fingerprint == status["fingerprint_sha256"]
    assert HOST in served.names, served.names
    assert tls_probe(office.lab, 143, None).fingerprint == status["fingerprint_sha256"]


def test_port_80_not_forwarded(router: Lab, pebble: PebbleCA, tmp_path: Path) -> None:
    """HTTP-01 only, the router's port 80 mapping removed: port80_unreachable."""
    office = start_office(
        router,
        pebble,
        tmp_path,
        {"acme": {"challenge": "http-01"}, "server": {"manage_router": False}},
        forward_80=False,
    )
    status = office.wait_status(has_failed, 120)
    assert_fallback(office, status, "port80_unreachable")
    office.stop()


def test_dns_pointing_elsewhere(router: Lab, pebble: PebbleCA, tmp_path: Path) -> None:
    """mail.example.be's A record is another host's: name_elsewhere, the CA is not bothered."""
    office = start_office(router, pebble, tmp_path, records={HOST: "198.51.100.80"})
    status = office.wait_status(has_failed, 120)
    assert_fallback(office, status, "name_elsewhere")
    office.stop()


def test_ca_down(router: Lab, pebble: PebbleCA, tmp_path: Path) -> None:
    """Pebble stopped: ca_unreachable."""
    pebble.stop()
    office = start_office(router, pebble, tmp_path)
    status = office.wait_status(has_failed, 120)
    assert_fallback(office, status, "ca_unreachable")
    office.stop()


@pytest.mark.parametrize("pebble", [{"nonce_reject": 100}], indirect=True)
def test_ca_answering_errors(router: Lab, pebble: PebbleCA, tmp_path: Path) -> None:
    """Pebble rejects every nonce (its own fault injector): ca_error, no retry storm."""
    office = start_office(router, pebble, tmp_path)
    status = office.wait_status(has_failed, 120)
    assert_fallback(office, status, "ca_error")
    assert status["failures"] == 1 and status["next_attempt"] > time.time() + 600, status
    office.stop()


def test_the_wizard_launch_step_obtains_the_certificate(
    router: Lab, pebble: PebbleCA, tmp_path: Path
) -> None:
    """Start on the launch step: the server runs and the certificate row says Pebble's."""
    office = prepare_office(router, pebble, tmp_path)
    try:
        shown = router.run_python(
            NS_LAN, "tests.certs_lab_wizard:launch", str(office.config), timeout=300
        )
        status = office.cert_status()
        probes = {port: tls_probe(router, port, pebble.root_file) for port in (443, 143)}
    finally:
        office.stop_daemon()
    rows = shown["rows"]
    certificate = rows.pop("certificate")
    assert {r["status"] for r in rows.values()} == {"ok"}, rows
    assert certificate["status"] == "ok", (certificate, shown["texts"], office.log_tail())
    assert "Pebble Intermediate CA" in certificate["finding"], certificate
    assert shown["kept"]["certificate"] == {"trusted": True, "fingerprint": ""}, shown["kept"]
    assert from_acme(status), status
    for port, probe in probes.items():
        assert probe.verified, f"port {port}:\n{probe.output[-2500:]}"
        assert probe.fingerprint == status["fingerprint_sha256"], port


def test_port_80_filtered_tls_alpn_on_443_instead(
    router: Lab, pebble: PebbleCA, tmp_path: Path
) -> None:
    """challenge = auto, port 80 not forwarded: TLS-ALPN-01 through the forwarded 443."""
    office = start_office(
        router, pebble, tmp_path, {"server": {"manage_router": False}}, forward_80=False
    )
    status = office.wait_status(from_acme, 120)
    assert from_acme(status) and status["last_failure"] is None, f"{status}\n{office.log_tail()}"
    assert router.connect_from_wan(80, timeout=1.5) is None  # really closed from outside
    assert "TLS-ALPN-01" in office.log.read_text()  # the server's log says which challenge
    for port in (443, 25):
        probe = tls_probe(router, port, pebble.root_file)
        assert probe.verified, f"port {port}:\n{probe.output[-2500:]}"
    office.stop()
