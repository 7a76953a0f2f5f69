"""Contracts between mailcore's parts (implementations live in their own modules).

Delivery sequence (as maddy documents it): a transport (SMTP in, submission,
collector, webmail, bounce generator) spools the message to a file, resolves
recipients, then calls ``LocalDelivery.deliver`` which returns only once every
copy is durable (fsync of file and directory). A ``250`` is sent only after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

AccessProtocol = Literal["imap", "pop3"]


@dataclass(frozen=True)
class User:
    """A mailbox owner."""

    address: str  # lower-case local@domain
    protocol: AccessProtocol  # how this user reads mail: IMAP or POP3 (one or the other)
    display_name: str = ""


class UserDirectory(Protocol):
    """Users, aliases and catch-alls (implemented by ``mailcore.users.UserStore``)."""

    def local_domains(self) -> set[str]:
        """Domains this server delivers for (lower-case)."""
        ...

    def resolve(self, address: str) -> list[str] | None:
        """Local mailbox addresses an address delivers to; None if not a local recipient."""
        ...

    def authenticate(self, address: str, password: str) -> User | None:
        """The user when the password is right, else None (constant-ish time)."""
        ...

    def get(self, address: str) -> User | None:
        """A user by address (aliases not followed)."""
        ...

    def owns_address(self, user: str, address: str) -> bool:
        """Whether ``user`` may send as ``address`` (itself or one of its aliases)."""
        ...


class LocalDelivery(Protocol):
    """Durable delivery into users' Maildirs (``mailcore.delivery``)."""

    async def deliver(
        self,
        message: Path,
        mailboxes: list[str],
        headers: bytes = b"",
        folder: str = "",
        *,
        unseen: bool = False,
    ) -> None:
        """Write ``headers`` + the spooled ``message`` into each mailbox's Maildir.

        ``folder`` empty = INBOX, else a Maildir++ folder name such as "Sent".
        Returns after every copy is fsynced and renamed into ``new/`` (or ``cur/``
        for folders written by the owner, unless ``unseen``: mail from others
        filed in a folder, such as Junk) and the directories are fsynced.
        """
        ...


class Service(Protocol):
    """One long-running part of ``pmemail serve`` (SMTP, IMAP, queue runner, ...).

    The supervisor starts services in order under one ``AsyncExitStack`` and
    stops them in reverse on SIGTERM/SIGINT.
    """

    name: str

    async def start(self) -> None:
        """Bind sockets / start tasks; raise ``ServiceStartError`` with a clear reason."""
        ...

    async def stop(self) -> None:
        """Stop accepting, finish or abort in-flight work safely (nothing acknowledged lost)."""
        ...

    def status(self) -> Mapping[str, object]:
        """JSON-able state for the control socket: ports, connections, counters.

        Implementations return their shape from ``mailcore.status`` (read
        on the event loop at every dashboard refresh: no file reads here).
        """
        ...


class ServiceStartError(Exception):
    """A service could not start; the message is shown to the admin as is."""


class ListenError(ServiceStartError):
    """A service cannot listen on ``host:port``.

    It carries the facts (which service, address, the ``OSError``) so that the
    runtime can explain it for the admin: who holds the port, the unprivileged
    alternative for a low port.
    """

    def __init__(self, service: str, host: str, port: int, error: OSError) -> None:
        super().__init__(f"{service} cannot listen on {host}:{port}: {error.strerror or error}")
        self.service = service
        self.host = host
        self.port = port
        self.error = error
