"""HTTPS by default: port 80 carries no password, cookies and HSTS on HTTPS, the ACME challenge.

The HTTPS listener presents a certificate from a test CA (trustme) and the
client trusts only that CA, so every HTTPS exchange here is a checked one.
Port 80 is played by the plain-HTTP listener on an ephemeral port.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest

from mailcore.acme.challenges import ChallengeBoard
from mailcore.webmail.wording import say
from pmemail.serve.office import office_networks
from tests.config_factory import Overrides, make_config
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    WEBMAIL,
    LocalCA,
    client,
    csrf_of,
    local_ca,
    login,
    running_stack,
)

pytestmark = pytest.mark.timeout(60)

OUTSIDE: Overrides = {"security": {"office_networks": ["10.99.0.0/16"]}}  # not 127.0.0.1
OFFICE: Overrides = {"security": {"office_networks": ["127.0.0.0/8", "::1"]}}
HTTPS_OFF: Overrides = {"ports.https": {"enabled": False}}
LAN: Overrides = {"webmail": {"plain_http": "lan"}}
AUTODISCOVER = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
    b'requestschema/2006"><Request><EMailAddress>alice@example.be</EMailAddress>'
    b"<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    b"responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    """A test CA (the only one the clients below trust) and the webmail's certificate."""
    return local_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def server_tls(certs: LocalCA) -> ssl.SSLContext:
    """The webmail's certificate for ``localhost`` and 127.0.0.1, issued by the test CA."""
    return certs.server


@pytest.fixture
def trusting(certs: LocalCA) -> ssl.SSLContext:
    """A client context that checks the server's certificate against the test CA."""
    return certs.client


async def test_port_80_redirects_to_the_configured_host(
    tmp_path: Path, server_tls: ssl.SSLContext
) -> None:
    """A forged ``Host`` is ignored; the external HTTPS port is named; POSTs keep their body."""
    config = make_config(tmp_path, WEBMAIL, {"ports.https": {"external": 8443}}).config
    async with running_stack(tmp_path, config, tls=server_tls) as stack, client() as http:
        forged = {"Host": "evil.example"}
        async with http.get(
            stack.http_url + "/mail?f=INBOX", headers=forged, allow_redirects=False
        ) as r:
            assert r.status == 301
            assert r.headers["Location"] == "https://localhost:8443/mail?f=INBOX"
        async with http.get(stack.http_url + "/login", allow_redirects=False) as r:
            assert r.status == 301  # the login form is never served on port 80
        async with http.post(
            stack.http_url + "/login",
            data={"address": ALICE, "password": ALICE_PW},
            allow_redirects=False,
        ) as r:
            assert r.status == 308 and "Set-Cookie" not in r.headers
        async with http.post(
            stack.http_url + "/autodiscover/autodiscover.xml",
            data=AUTODISCOVER,
            allow_redirects=False,
        ) as r:  # Outlook re-sends its POST to the HTTPS address
            assert r.status == 308
            assert r.headers["Location"] == "https://localhost:8443/autodiscover/autodiscover.xml"
        async with http.get(stack.http_url + "/mail/config-v1.1.xml") as r:
            assert r.status == 200 and b"clientConfig" in await r.read()


@pytest.mark.parametrize("https_on", [True, False], ids=["https-on", "https-off"])
async def test_acme_challenge_on_port_80(
    tmp_path: Path, server_tls: ssl.SSLContext, https_on: bool
) -> None:
    """A pending token is answered with its key authorization; an unknown one is a 404."""
    board = ChallengeBoard()
    board.put_http("tok-123", "tok-123.thumbprint")
    extra = {} if https_on else HTTPS_OFF
    config = make_config(tmp_path, WEBMAIL, OUTSIDE, extra).config
    async with (
        running_stack(tmp_path, config, tls=server_tls, board=board) as stack,
        client() as http,
    ):
        base = stack.http_url + "/.well-known/acme-challenge/"
        async with http.get(base + "tok-123", headers={"Host": "mail.example.be"}) as r:
            assert r.status == 200 and r.content_type == "text/plain"
            assert await r.text() == "tok-123.thumbprint"
        async with http.get(base + "unknown", allow_redirects=False) as r:
            assert r.status == 404
        board.drop_http("tok-123")
        async with http.get(base + "tok-123", allow_redirects=False) as r:
            assert r.status == 404


def test_loopback_is_not_the_office_unless_configured(tmp_path: Path) -> None:
    """The throttle's office networks (detected LAN) leave loopback out; listing it adds it."""
    setup = make_config(tmp_path, WEBMAIL)
    assert "127.0.0.1" not in office_networks(setup.config, setup.paths)
    configured = make_config(tmp_path, WEBMAIL, OFFICE)
    assert "127.0.0.1" in office_networks(configured.config, configured.paths)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_plain_http_login_refused_outside_the_office(tmp_path: Path, language: str) -> None:
    """HTTPS off: a non-office client gets neither the form nor a session, but the reason."""
    config = make_config(tmp_path, WEBMAIL, OUTSIDE, HTTPS_OFF, {"": {"language": language}})
    async with running_stack(tmp_path, config.config) as stack, client() as http:
        assert stack.webmail.https_port is None
        async with http.get(stack.http_url + "/login") as r:
            page = await r.text()
            assert r.status == 403 and 'name="password"' not in page
            assert say(language, "login_needs_https") in page.replace("&#39;", "'")
            assert "ports.https.enabled" in page
        async with http.post(
            stack.http_url + "/login",
            data={"_csrf": "x", "address": ALICE, "password": ALICE_PW},
            headers={"Cookie": "pmemail_login=x"},
            allow_redirects=False,
        ) as r:
            assert r.status == 403 and "Set-Cookie" not in r.headers
        async with http.get(stack.http_url + "/mail", allow_redirects=False) as r:
            assert r.status == 403
        async with http.get(stack.http_url + "/mail/config-v1.1.xml") as r:
            assert r.status == 200  # autoconfig carries no secret


async def test_plain_http_login_from_the_office(tmp_path: Path) -> None:
    """HTTPS off, an office client logs in over HTTP (its cookie cannot be Secure)."""
    config = make_config(tmp_path, WEBMAIL, OFFICE, HTTPS_OFF).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        resp = await login(http, stack.http_url, ALICE, ALICE_PW)
        assert resp.status == 200 and str(resp.url).endswith("/mail")


@pytest.mark.parametrize("office", [True, False], ids=["office", "outside"])
async def test_lan_mode_serves_the_office_on_port_80(
    tmp_path: Path, server_tls: ssl.SSLContext, office: bool
) -> None:
    """plain_http = "lan": the office gets the webmail on port 80, anyone else the redirect."""
    config = make_config(tmp_path, WEBMAIL, LAN, OFFICE if office else OUTSIDE).config
    async with running_stack(tmp_path, config, tls=server_tls) as stack, client() as http:
        async with http.get(stack.http_url + "/login", allow_redirects=False) as r:
            assert r.status == (200 if office else 301)
        if office:
            resp = await login(http, stack.http_url, ALICE, ALICE_PW)
            assert resp.status == 200 and str(resp.url).endswith("/mail")


def _cookie_flags(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


async def test_https_login_cookies_are_secure(
    tmp_path: Path, server_tls: ssl.SSLContext, trusting: ssl.SSLContext
) -> None:
    """The login form's double-submit cookie and the session cookie: Secure, HttpOnly, Strict."""
    async with running_stack(tmp_path, tls=server_tls) as stack, client(trusting) as http:
        assert stack.url.startswith("https://")
        async with http.get(stack.url + "/login") as page:
            token = csrf_of(await page.text())
            login_cookie = page.headers["Set-Cookie"]
        async with http.post(
            stack.url + "/login",
            data={"_csrf": token, "address": ALICE, "password": ALICE_PW},
            allow_redirects=False,
        ) as r:
            assert r.status == 303
            session = next(c for c in r.headers.getall("Set-Cookie") if "pmemail_session" in c)
        for cookie in (login_cookie, session):
            assert {"secure", "httponly", "samesite"} <= _cookie_flags(cookie), cookie
            assert "SameSite=Strict" in cookie
        async with http.get(stack.url + "/mail") as r:
            assert r.status == 200 and str(r.url).endswith("/mail")


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "self-signed"])
async def test_hsts_only_with_a_trusted_certificate(
    tmp_path: Path, server_tls: ssl.SSLContext, trusting: ssl.SSLContext, trusted: bool
) -> None:
    """HSTS on HTTPS responses while hsts() is true; never on port 80."""
    async with (
        running_stack(tmp_path, tls=server_tls, hsts=lambda: trusted) as stack,
        client(trusting) as http,
    ):
        async with http.get(stack.url + "/login") as r:
            assert r.status == 200
            hsts = r.headers.get("Strict-Transport-Security")
            assert hsts == ("max-age=31536000" if trusted else None)
        async with http.get(stack.http_url + "/login", allow_redirects=False) as r:
            assert "Strict-Transport-Security" not in r.headers


async def test_autoconfig_and_autodiscover_over_https(
    tmp_path: Path, server_tls: ssl.SSLContext, trusting: ssl.SSLContext
) -> None:
    """Outlook's POST and Thunderbird's GET on the HTTPS listener, certificate checked."""
    async with (
        running_stack(tmp_path, tls=server_tls) as stack,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusting)) as http,
    ):
        async with http.post(
            stack.url + "/Autodiscover/Autodiscover.xml",
            data=AUTODISCOVER,
            headers={"Content-Type": "text/xml"},
        ) as r:
            body = await r.text()
            assert r.status == 200 and "<Server>localhost</Server>" in body
        async with http.get(f"{stack.url}/.well-known/autoconfig/mail/config-v1.1.xml") as r:
            assert r.status == 200 and "<hostname>localhost</hostname>" in await r.text()
