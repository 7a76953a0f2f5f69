"""Helpers for the IMAP tests: a real server in a background thread on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
import imaplib
import ssl
import threading
from typing import Any

from mailcore.imap.server import ImapService, build_imap_service
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import Overrides
from tests.tls_support import keeper_context

PASSWORD = "correct horse battery"
USER = "alice@example.be"
POP_USER = "bob@example.be"


# loopback services (tests.config_factory) plus what the IMAP tests count on
IMAP: Overrides = {
    "security": {"plaintext_auth_on_loopback": True},
    "imap": {"idle_poll": 0.1},  # quick IDLE polling
}
NO_PLAINTEXT: Overrides = {"security": {"plaintext_auth_on_loopback": False}}


def make_users(config: Config) -> UserStore:
    """A user store with an IMAP user and a POP3 user."""
    paths = DataPaths.from_config(config)
    users = UserStore.from_config(config, paths)
    if users.get(USER) is None:
        users.add_user(USER, PASSWORD, "imap")
        users.add_user(POP_USER, PASSWORD, "pop3")
    return users


class ServerThread:
    """Run the IMAP service in its own event loop thread."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.paths = DataPaths.from_config(config)
        self.users = make_users(config)
        self.loop = asyncio.new_event_loop()
        self.service: ImapService | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> ServerThread:
        """Start the loop and the service; returns self."""
        self._thread.start()
        throttle = AuthThrottle(self.config.security)

        async def go() -> ImapService:
            svc = build_imap_service(
                self.config,
                self.paths,
                self.users,
                throttle,
                tls=keeper_context(self.config, self.paths),
            )
            await svc.start()
            return svc

        self.service = asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)
        return self

    @property
    def port(self) -> int:
        """The bound port."""
        assert self.service is not None
        return self.service.port

    def stop(self) -> None:
        """Stop the service and the loop."""
        if self.service is not None:
            asyncio.run_coroutine_threadsafe(self.service.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting the generated certificate."""
        ctx = ssl.create_default_context(cafile=str(self.paths.tls_dir / "cert.pem"))
        ctx.check_hostname = False
        return ctx

    def connect(self, login: bool = True, timeout: float = 10) -> Any:
        """An imaplib client (typed Any: typeshed's IMAP4 result types are too loose to
        assert on), logged in as ``USER`` unless ``login`` is False."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=timeout)
        if login:
            client.login(USER, PASSWORD)
        return client


def sample_message(subject: str = "Hello", body: str = "Body line\r\n") -> bytes:
    """A small RFC 5322 message with CRLF line ends."""
    return (
        f"From: Alice <alice@example.be>\r\nTo: bob@example.be\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jan 2023 10:00:00 +0000\r\nMessage-ID: <{subject}@x>\r\n\r\n"
        f"{body}"
    ).encode()
