"""Dovecot's pop3d as the ISP's POP server, and the office it delivers to.

Needs the Debian package ``dovecot-pop3d`` (the system service is never
started: ``tests.dovecot_support`` runs its own ``dovecot -F`` under /tmp).
"""

from __future__ import annotations

import email
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.users import UserStore
from pmemail.config.collector import CollectorMailbox
from pmemail.config.paths import DataPaths
from tests.config_factory import Overrides
from tests.dovecot_support import DovecotServer, run_dovecot

USER, PASSWORD = "office", "isp-secret"
# Dovecot pop3d's logout line (pop3_logout_format): per-session TOP and RETR counters
_LOGOUT = re.compile(rb"top=(\d+)/(\d+), retr=(\d+)/(\d+)")


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
    def tls_port(self) -> int:
        """The implicit-TLS (pop3s) port; only when started with ``tls``."""
        return self.server.ports["pop3s"]

    @property
    def maildir(self) -> Path:
        return self.server.maildir

    def put(self, name: str, content: bytes) -> None:
        """Drop a message into the ISP mailbox (as if the ISP's MX had delivered it)."""
        self.server.put(name, content)

    def remaining(self) -> list[str]:
        """Names of the messages still at the ISP (by our file name prefix)."""
        return sorted(
            p.name.split(":")[0] for d in ("new", "cur") for p in (self.maildir / d).iterdir()
        )


@contextmanager
def dovecot_pop3(tls: tuple[Path, Path] | None = None) -> Iterator[IspMailbox]:
    """Start Dovecot pop3d on 127.0.0.1 (skips the test when it is not installed).

    Args:
        tls: (certificate chain PEM, key PEM) to enable STLS and a pop3s port.
    """
    with run_dovecot(("pop3",), user=USER, password=PASSWORD, tls=tls) as server:
        yield IspMailbox(server)


Office = tuple[DataPaths, UserStore, MaildirDelivery]


@asynccontextmanager
async def local_office(tmp_path: Path) -> AsyncIterator[Office]:
    """A data dir with alice, bob and the alias sales -> bob, and its Maildir delivery."""
    paths = DataPaths(tmp_path / "data")
    users = UserStore(paths.users_db, ["example.be"])
    users.add_user("alice@example.be", "pw")
    users.add_user("bob@example.be", "pw")
    users.add_alias("sales@example.be", "bob@example.be")
    delivery = MaildirDelivery(paths)
    try:
        yield paths, users, delivery
    finally:
        await delivery.aclose()


def collecting(isp: IspMailbox, **mailbox: object) -> Overrides:
    """Config overrides: fetch the ISP mailbox (plain POP3, single-drop to alice).

    ``mailbox`` changes keys of the one ``[[collector.mailboxes]]`` entry.
    """
    entry = CollectorMailbox(
        host="127.0.0.1",
        port=isp.port,
        tls="none",
        username=USER,
        password=PASSWORD,
        deliver_to="alice@example.be",
    )
    for key, value in mailbox.items():
        setattr(entry, key, value)
    return {"collector": {"enabled": True, "timeout": 10.0, "interval": 0.05, "mailboxes": [entry]}}


def subjects(paths: DataPaths, address: str) -> list[str]:
    """Subjects of the messages in a local user's Maildir, sorted."""
    base = maildir_path(paths, address)
    files = [p for d in ("new", "cur") if (base / d).is_dir() for p in (base / d).iterdir()]
    return sorted(str(email.message_from_bytes(p.read_bytes())["Subject"]) for p in files)


def msg(subject: str, headers: str = "") -> bytes:
    """A small message as the ISP's MX would have stored it."""
    return (
        f"{headers}From: someone@far.test\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n"
    ).encode()


def pop_counters(isp: IspMailbox) -> tuple[int, int, int]:
    """(TOP commands, RETR commands, RETR bytes) over every session so far."""
    text = (isp.root / "dovecot.log").read_bytes()
    found = [tuple(int(x) for x in m.groups()) for m in _LOGOUT.finditer(text)]
    assert found, text[-2000:]
    return (
        sum(f[0] for f in found),
        sum(f[2] for f in found),
        sum(f[3] for f in found),
    )


# A collector run in a child process that SIGKILLs itself at the Nth time the
# hook reports `step` (argv: data dir, mailbox JSON, step, N).
CRASHING_RUN = """
import asyncio, json, os, signal, sys
from pathlib import Path
from mailcore.collector.service import Collector
from mailcore.delivery import MaildirDelivery
from mailcore.users import UserStore
from pmemail.config.collector import CollectorConfig, CollectorMailbox
from pmemail.config.paths import DataPaths

data, mailbox, crash_step, crash_at = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], \
    int(sys.argv[4])
paths = DataPaths(Path(data))
users = UserStore(paths.users_db, ["example.be"])
seen = []

def hook(step, uid):
    if step == crash_step:
        seen.append(uid)
        if len(seen) == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

config = CollectorConfig(enabled=True, timeout=10, mailboxes=[CollectorMailbox(**mailbox)])
collector = Collector(config, paths, users, MaildirDelivery(paths), "mail.example.be", hook)
asyncio.run(collector.run_once())
"""


@pytest.fixture
def isp() -> Iterator[IspMailbox]:
    """A private Dovecot POP3 server playing the ISP (plain POP3; see ``dovecot_pop3``)."""
    with dovecot_pop3() as box:
        yield box


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The office's side: users and Maildir delivery (see ``local_office``)."""
    async with local_office(tmp_path) as parts:
        yield parts
