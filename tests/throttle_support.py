"""Helpers for the parallel brute-force tests: minimal raw clients, a fake clock.

The clients are plain asyncio streams (not imaplib/smtplib in threads) so that
hundreds of logins can really be in flight at once without competing with the
server's password checks for the default thread pool.
"""

from __future__ import annotations

import asyncio
import base64
import resource
import ssl
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.config_factory import Overrides

T = TypeVar("T")

# Hundreds of logins in flight from one address: past the listeners' connection caps,
# which these tests are not about.
CROWD: Overrides = {"server": {"max_connections": 2000, "max_connections_per_address": 2000}}


class FakeClock:
    """A monotonic clock moved by hand: a 900 s lock passes without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def raise_fd_limit(needed: int) -> None:
    """Raise the soft open-file limit so ``needed`` sockets (both ends) fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def client_tls() -> ssl.SSLContext:
    """Accept the self-signed test certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def imap_open(port: int, source: str = "127.0.0.1", starttls: bool = False) -> Conn:
    """An IMAP connection from ``source`` past the greeting (and STARTTLS if asked)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    assert (await reader.readline()).startswith(b"* OK")
    if starttls:
        writer.write(b"s STARTTLS\r\n")
        await _tagged(reader, b"s ")
        await writer.start_tls(client_tls())
    return reader, writer


async def _tagged(reader: asyncio.StreamReader, tag: bytes) -> bytes:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("IMAP server hung up")
        if line.startswith(tag):
            return line


async def close(writer: asyncio.StreamWriter) -> None:
    """Close and wait, so no transport outlives the test's loop."""
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, ssl.SSLError):
        pass  # the server may hang up first


def imap_send_login(conn: Conn, user: str, password: str) -> None:
    """Write a LOGIN command (the verdict is read by ``imap_verdict``)."""
    conn[1].write(f'a LOGIN "{user}" "{password}"\r\n'.encode())


async def imap_verdict(conn: Conn) -> str:
    """The tagged answer of the LOGIN, e.g. ``NO [AUTHENTICATIONFAILED] ...``; closes."""
    reader, writer = conn
    try:
        return (await _tagged(reader, b"a ")).decode()[2:].strip()
    finally:
        await close(writer)


async def imap_login(
    port: int, user: str, password: str, source: str = "127.0.0.1", starttls: bool = False
) -> str:
    """One IMAP LOGIN on its own connection; the tagged answer."""
    conn = await imap_open(port, source, starttls)
    imap_send_login(conn, user, password)
    return await imap_verdict(conn)


async def smtp_open(port: int) -> Conn:
    """A submission connection after EHLO."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await _smtp_reply(reader)
    writer.write(b"EHLO client.test\r\n")
    await _smtp_reply(reader)
    return reader, writer


async def _smtp_reply(reader: asyncio.StreamReader) -> str:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("SMTP server hung up")
        if line[3:4] != b"-":
            return line.decode().strip()


def smtp_send_auth(conn: Conn, user: str, password: str) -> None:
    """Write AUTH PLAIN with the initial response."""
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    conn[1].write(f"AUTH PLAIN {token}\r\n".encode())


async def smtp_verdict(conn: Conn) -> str:
    """The AUTH answer (``235 ...``, ``535 ...``, ``454 ...``); closes."""
    reader, writer = conn
    try:
        return await _smtp_reply(reader)
    finally:
        await close(writer)


async def open_many(
    opener: Callable[[], Awaitable[Conn]], count: int, batch: int = 50
) -> list[Conn]:
    """``count`` open connections, connected ``batch`` at a time (a burst of hundreds
    of connects overflows the listen backlog; the logins are what must be parallel)."""
    opened: list[Conn] = []
    while len(opened) < count:
        step = min(batch, count - len(opened))
        opened += await asyncio.gather(*(opener() for _ in range(step)))
    return opened


async def all_at_once(
    opened: list[Conn],
    send: Callable[[Conn, str, str], None],
    verdict: Callable[[Conn], Awaitable[T]],
    logins: list[tuple[str, str]],
) -> list[T]:
    """Write every login on its open connection in one go, then read every verdict.

    All commands are on the wire before the first verdict can be recorded, so
    a throttle counting only recorded failures lets them all be checked.
    """
    for conn, (user, password) in zip(opened, logins, strict=True):
        send(conn, user, password)
    return list(await asyncio.gather(*(verdict(c) for c in opened)))
