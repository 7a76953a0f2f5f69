"""Helpers shared by the POP3 tests: overrides, users, Maildir files, an in-memory connection."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path

from mailcore.delivery import maildir_path
from mailcore.pop3.context import Pop3Settings
from mailcore.pop3.maildrop import SizeCache
from mailcore.pop3.session import Pop3Session
from mailcore.pop3.wire import LineReader
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import Overrides

ALICE, ALICE_PW = "alice@example.be", "alice pw 1"
BOB, BOB_PW = "bob@example.be", "bob-pw-2"  # an IMAP user


# loopback services (tests.config_factory) plus what the POP3 tests count on
POP3: Overrides = {
    "mail": {"hostname": "localhost"},  # the generated cert then matches what clients dial
    "security": {"max_failures": 3},
}


def make_users(config: Config, paths: DataPaths) -> UserStore:
    """A store with alice (POP3) and bob (IMAP)."""
    users = UserStore.from_config(config, paths)
    users.add_user(ALICE, ALICE_PW, "pop3")
    users.add_user(BOB, BOB_PW, "imap")
    return users


def inbox(paths: DataPaths, address: str = ALICE) -> Path:
    """The INBOX Maildir of ``address`` (created)."""
    root = maildir_path(paths, address)
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return root


def put_message(
    root: Path, name: str, data: bytes, *, sub: str = "new", mtime: int | None = None
) -> Path:
    """Write a message file as delivery does; ``mtime`` fixes the snapshot order."""
    path = root / sub / name
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def settings_for(
    config: Config, paths: DataPaths, users: UserStore, tls_context: ssl.SSLContext | None = None
) -> Pop3Settings:
    """Session settings like ``build_pop3_service`` makes, minus the socket."""
    return Pop3Settings(
        users=users,
        throttle=AuthThrottle(config.security),
        maildir_for=lambda address: maildir_path(paths, address),
        tls_context=tls_context,
        plaintext_on_loopback=config.security.plaintext_auth_on_loopback,
        idle_timeout=config.pop3.idle_timeout,
        sizes=SizeCache(),
        greeting="ready",
    )


class MemoryConnection:
    """``session.Connection`` over bytes: the client's input, then EOF (or not)."""

    def __init__(self, data: bytes, *, peer: str = "127.0.0.1", eof: bool = True) -> None:
        """Feed ``data`` as the client's whole input."""
        self.reader = asyncio.StreamReader()
        self.reader.feed_data(data)
        if eof:
            self.reader.feed_eof()
        self._lines = LineReader(self.reader)
        self.out = bytearray()
        self.peer_host = peer
        self.is_tls = False

    async def readline(self, limit: int) -> bytes | None:
        """See ``LineReader.readline``."""
        return await self._lines.readline(limit)

    def pending(self) -> bool:
        """Buffered client bytes."""
        return self._lines.buffered() > 0

    def write(self, data: bytes) -> None:
        """Collect server output."""
        self.out += data

    async def drain(self) -> None:
        """Nothing to wait for."""

    async def start_tls(self, context: ssl.SSLContext, reply: bytes) -> None:
        """Not possible in memory."""
        raise ConnectionError("no TLS in memory")


async def transcript(settings: Pop3Settings, client: bytes, *, peer: str = "127.0.0.1") -> bytes:
    """Everything the server writes for the client's ``client`` bytes."""
    conn = MemoryConnection(client, peer=peer)
    await Pop3Session(conn, settings).run()
    return bytes(conn.out)


def client_tls_context(paths: DataPaths) -> ssl.SSLContext:
    """A client context that trusts exactly the server's generated certificate."""
    ctx = ssl.create_default_context(cafile=str(paths.tls_dir / "cert.pem"))
    ctx.check_hostname = False  # poplib dials 127.0.0.1; the cert names "localhost"
    return ctx
