"""Dovecot's pop3d as the ISP's POP server, started on loopback with its own config.

Needs the Debian package ``dovecot-pop3d`` (the system service is never
started: ``tests.dovecot_support`` runs its own ``dovecot -F`` under /tmp).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.dovecot_support import DovecotServer, run_dovecot

USER, PASSWORD = "office", "isp-secret"


@dataclass
class IspMailbox:
    """The running Dovecot and the Maildir behind its one account."""

    server: DovecotServer

    @property
    def root(self) -> Path:
        return self.server.root

    @property
    def port(self) -> int:
        return self.server.ports["pop3"]

    @property
    def maildir(self) -> Path:
        return self.server.maildir

    def put(self, name: str, content: bytes) -> None:
        """Drop a message into the ISP mailbox (as if the ISP's MX had delivered it)."""
        self.server.put(name, content)

    def remaining(self) -> list[str]:
        """Names of the messages still at the ISP (by our file name prefix)."""
        return sorted(p.name.split(":")[0] for d in ("new", "cur")
                      for p in (self.maildir / d).iterdir())


@contextmanager
def dovecot_pop3() -> Iterator[IspMailbox]:
    """Start Dovecot pop3d on 127.0.0.1 (skips the test when it is not installed)."""
    with run_dovecot(("pop3",), user=USER, password=PASSWORD) as server:
        yield IspMailbox(server)
