"""What a POP3 session is given: its transport (``Connection``) and shared settings."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mailcore.interfaces import UserDirectory
from mailcore.pop3.maildrop import SizeCache
from mailcore.throttle import AuthThrottle


class Connection(Protocol):
    """What a session needs from its transport."""

    peer_host: str
    is_tls: bool

    async def readline(self, limit: int) -> bytes | None:
        """Next line without CRLF, None at EOF; raises ``wire.LineTooLong``."""
        ...

    def pending(self) -> bool:
        """Whether unread client bytes are already buffered."""
        ...

    def write(self, data: bytes) -> None:
        """Queue bytes for the client."""
        ...

    async def drain(self) -> None:
        """Wait until the queued bytes are handed to the OS."""
        ...

    async def start_tls(self, context: ssl.SSLContext, reply: bytes) -> None:
        """Send ``reply``, then upgrade to TLS (server side), dropping buffered plaintext."""
        ...


@dataclass
class Pop3Settings:
    """What every session of a server shares."""

    users: UserDirectory
    throttle: AuthThrottle
    maildir_for: Callable[[str], Path]  # user address -> INBOX Maildir root
    tls_context: ssl.SSLContext | None
    plaintext_on_loopback: bool = False
    idle_timeout: float = 600.0
    login_timeout: float = 60.0  # before login: an idle stranger must not hold a descriptor
    sizes: SizeCache = field(default_factory=SizeCache)
    greeting: str = "pmemail POP3 server ready"
