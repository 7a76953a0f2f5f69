"""The peers an ACME client meets besides Pebble itself, on loopback.

The office's side of a validation (an HTTP-01 listener serving the board's
answers, a TLS listener handing a TLS-ALPN-01 handshake the board's
certificate), the check of an issued chain against the CA's root, and a tiny
CA that answers every new order with the RFC 8555 ``rateLimited`` problem
(Pebble 2.4 has no rate limiter).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trustme
from aiohttp import web
from cryptography import x509
from cryptography.x509 import DNSName
from cryptography.x509.verification import PolicyBuilder, Store

from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.http_challenge import challenge_routes
from tests.config_factory import free_port


@asynccontextmanager
async def http_challenge_server(board: ChallengeBoard, port: int) -> AsyncIterator[None]:
    """Pebble's HTTP-01 side: ``challenge_routes(board)`` on 127.0.0.1:``port``."""
    app = web.Application()
    app.add_routes(challenge_routes(board))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield
    finally:
        await runner.cleanup()


def alpn_server_context(board: ChallengeBoard) -> ssl.SSLContext:
    """A minimal TLS context that hands a TLS-ALPN-01 handshake the board's context.

    The product's (``CertificateKeeper.context``) does the same in front of
    the real certificate; this one serves a throw-away certificate otherwise.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(ctx)

    def pick(sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext) -> None:
        challenge = board.alpn_context(name)
        if challenge is not None:
            sock.context = challenge

    ctx.sni_callback = pick
    return ctx


@asynccontextmanager
async def alpn_challenge_server(
    board: ChallengeBoard, port: int, context: ssl.SSLContext | None = None
) -> AsyncIterator[None]:
    """Pebble's TLS-ALPN-01 side: a TLS listener on 127.0.0.1:``port`` that only handshakes.

    Args:
        board: the challenges in flight.
        port: ``Pebble.tls_port``.
        context: the server context (e.g. ``CertificateKeeper.context``);
            default :func:`alpn_server_context`.
    """

    async def close(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()

    server = await asyncio.start_server(
        close,
        "127.0.0.1",
        port,
        ssl=context or alpn_server_context(board),
        ssl_handshake_timeout=10,
    )
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


def verify_chain(fullchain_pem: bytes, root_pem: bytes, name: str) -> x509.Certificate:
    """Check the chain (leaf first) leads to ``root_pem`` for ``name``; the leaf.

    Raises:
        cryptography.x509.verification.VerificationError: it does not.
    """
    certs = x509.load_pem_x509_certificates(fullchain_pem)
    store = Store(x509.load_pem_x509_certificates(root_pem))
    verifier = PolicyBuilder().store(store).build_server_verifier(DNSName(name))
    verifier.verify(certs[0], certs[1:])
    return certs[0]


@dataclass
class FakeCa:
    """A web server in the test's loop answering every request with a problem."""

    url: str
    """The "directory" URL to put in ``acme.directory``."""
    seen: list[str]
    """The paths requested so far."""
    release: asyncio.Event
    """Requests wait for it before being answered (set unless ``hold``)."""


@asynccontextmanager
async def rate_limiting_ca(
    retry_after: str | None = "3600", *, hold: bool = False
) -> AsyncIterator[FakeCa]:
    """A CA that answers the ACME ``rateLimited`` problem (429, application/problem+json).

    Args:
        retry_after: the Retry-After header (None: no header).
        hold: requests hang until ``FakeCa.release`` is set (a CA that does
            not answer); released at exit.
    """
    ca = FakeCa("", [], asyncio.Event())
    if not hold:
        ca.release.set()

    async def refuse(request: web.Request) -> web.Response:
        ca.seen.append(request.path)
        await ca.release.wait()
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return web.json_response(
            {
                "type": "urn:ietf:params:acme:error:rateLimited",
                "detail": "too many certificates already issued for example.be",
                "status": 429,
            },
            status=429,
            content_type="application/problem+json",
            headers=headers,
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    ca.url = f"http://127.0.0.1:{port}/dir"
    try:
        yield ca
    finally:
        ca.release.set()
        await runner.cleanup()
