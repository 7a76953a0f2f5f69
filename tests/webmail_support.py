"""Helpers for the webmail tests: a running webmail (+ SMTP) on loopback, and a form client."""

from __future__ import annotations

import re
import ssl
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import trustme

from mailcore.acme.challenges import ChallengeBoard
from mailcore.delivery import MaildirDelivery
from mailcore.imap.server import build_imap_service
from mailcore.interfaces import Service
from mailcore.mailstore import MailStore
from mailcore.office_networks import OfficeNetworks
from mailcore.queue import QueueRunner, build_queue
from mailcore.smtp.service import build_smtp_services
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from mailcore.webmail import WebmailService, build_submitter, build_webmail_service
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import Overrides, make_config
from tests.tls_support import keeper_context

ALICE, ALICE_PW = "alice@example.be", "alice secret 1"
BOB, BOB_PW = "bob@example.be", "bob secret 2"


# loopback services (tests.config_factory) plus what the webmail tests count on
WEBMAIL: Overrides = {
    "mail": {"hostname": "localhost"},
    "security": {"plaintext_auth_on_loopback": True, "max_failures": 3},
    "webmail": {"page_size": 5},
}


@dataclass
class Stack:
    """The running pieces a test talks to."""

    config: Config
    paths: DataPaths
    users: UserStore
    store: MailStore
    queue: QueueRunner
    webmail: WebmailService
    smtp_port: int
    imap_port: int

    @property
    def url(self) -> str:
        """The webmail's base URL: HTTPS unless the config turns it off."""
        if self.webmail.https_port is not None:
            return f"https://127.0.0.1:{self.webmail.https_port}"
        return self.http_url

    @property
    def http_url(self) -> str:
        """Port 80's stand-in: the plain-HTTP listener."""
        return f"http://127.0.0.1:{self.webmail.port}"


@asynccontextmanager
async def running_stack(
    tmp_path: Path,
    config: Config | None = None,
    clock: Callable[[], float] = time.monotonic,
    throttle: AuthThrottle | None = None,
    *,
    tls: ssl.SSLContext | None = None,
    board: ChallengeBoard | None = None,
    hsts: Callable[[], bool] = lambda: False,
) -> AsyncIterator[Stack]:
    """Users alice and bob, SMTP in and IMAP on ephemeral ports, and the webmail.

    The webmail is built as ``pmemail serve`` builds it: HTTPS on an ephemeral
    port (``tls``, default the generated certificate) unless the config turns
    it off, and the plain-HTTP listener. ``clock``: what session expiry reads.
    ``throttle``: the login throttle shared by every service (default: a new
    one, whose office networks are ``security.office_networks``).
    ``board``, ``hsts``: as ``build_webmail_service`` takes them.
    """
    if config is None:
        config = make_config(tmp_path, WEBMAIL).config
    paths = DataPaths.from_config(config)
    paths.root.mkdir(parents=True, exist_ok=True)
    users = UserStore.from_config(config, paths)
    users.add_user(ALICE, ALICE_PW, "imap", "Alice Martin")
    users.add_user(BOB, BOB_PW, "imap")
    delivery = MaildirDelivery(paths, fsync=False)
    throttle = throttle or AuthThrottle(
        config.security, office=OfficeNetworks(config.security.office_networks)
    )
    queue = build_queue(config, paths, users, delivery)
    store = MailStore(paths.maildirs)
    webmail = build_webmail_service(
        config,
        paths,
        users,
        throttle,
        store,
        build_submitter(config, users, delivery, queue),
        tls=tls or keeper_context(config, paths),
        board=board,
        hsts=hsts,
        clock=clock,
    )
    smtp: list[Service] = build_smtp_services(
        config, paths, users, delivery, queue, throttle, tls=keeper_context(config, paths)
    )
    inbound = smtp[0]
    imap = build_imap_service(
        config, paths, users, throttle, store, tls=keeper_context(config, paths)
    )
    started: list[Service] = []
    try:
        for service in (inbound, imap, webmail):
            await service.start()
            started.append(service)
        port = int(str(inbound.status()["port"]))
        yield Stack(config, paths, users, store, queue, webmail, port, imap.port)
    finally:
        for service in reversed(started):
            await service.stop()
        await delivery.aclose()
        store.close()


@dataclass(frozen=True)
class LocalCA:
    """A certificate for ``localhost`` and 127.0.0.1 from a throw-away CA (trustme)."""

    server: ssl.SSLContext
    """What the HTTPS listener presents (``running_stack(tls=...)``)."""
    client: ssl.SSLContext
    """A client context trusting only the test CA."""
    ca_pem: Path
    """The CA certificate as a file (``requests``' ``verify=``)."""
    leaf_pem: bytes
    """The server certificate, PEM."""


def local_ca(directory: Path) -> LocalCA:
    """A fresh test CA and a server certificate issued by it; the CA file in ``directory``."""
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(server)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    ca_pem = directory / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    return LocalCA(server, client_ctx, ca_pem, leaf.cert_chain_pems[0].bytes())


_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token in a page's first form."""
    found = _CSRF.search(page)
    assert found, page[:500]
    return found.group(1)


async def login(
    http: aiohttp.ClientSession, url: str, address: str, password: str
) -> aiohttp.ClientResponse:
    """Fill and post the login form; the response after redirects."""
    async with http.get(url + "/login") as page:
        token = csrf_of(await page.text())
    resp = await http.post(
        url + "/login", data={"_csrf": token, "address": address, "password": password}
    )
    await resp.read()
    return resp


def q(value: str) -> str:
    """URL-quote a query value."""
    return urllib.parse.quote(value)


def client(tls: ssl.SSLContext | bool = False) -> aiohttp.ClientSession:
    """A browser-like session: keeps cookies even for the 127.0.0.1 host.

    ``tls``: how HTTPS servers are checked; the default accepts the generated
    self-signed certificate unchecked (these tests are about the webmail; the
    certificate checks are in tests/test_webmail_https.py).
    """
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), connector=aiohttp.TCPConnector(ssl=tls)
    )
