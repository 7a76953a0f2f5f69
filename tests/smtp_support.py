"""Helpers for the SMTP tests: a real server in a thread, TLS client contexts."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.smtp.service import SmtpService, build_smtp_services
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import Overrides, make_config
from tests.tls_support import keeper_context

PASSWORDS = {"alice@example.be": "alice-pw", "bob@example.be": "bob-pw"}


@dataclass
class ListQueue:
    """A minimal outbound queue: keeps (sender, recipients, bytes)."""

    items: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def enqueue(self, message: Path, sender: str, recipients: list[str]) -> str:
        self.items.append((sender, list(recipients), message.read_bytes()))
        return str(len(self.items))


SMTP: Overrides = {
    "mail": {"extra_domains": ["example.org"], "max_message_size": 1_000_000},
    "security": {"max_failures": 3, "lock_seconds": 60},
}


def test_config(root: Path, **security: Any) -> Config:
    """A config for loopback tests: ephemeral ports, small limits (data under ``root/data``)."""
    return make_config(root, SMTP, {"security": security}).config


class MailServer:
    """pmemail's SMTP services running on their own event loop in a thread."""

    def __init__(self, root: Path, config: Config | None = None) -> None:
        self.config = config or test_config(root)
        self.paths = DataPaths.from_config(self.config)
        self.users = UserStore.from_config(self.config, self.paths)
        for address, password in PASSWORDS.items():
            self.users.add_user(address, password)
        self.users.add_alias("info@example.be", "alice@example.be")
        self.queue = ListQueue()
        self.loop = asyncio.new_event_loop()
        self.delivery = MaildirDelivery(self.paths)
        self.services: list[SmtpService] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def start(self) -> MailServer:
        self._thread.start()
        services = build_smtp_services(
            self.config,
            self.paths,
            self.users,
            self.delivery,
            self.queue,
            tls=keeper_context(self.config, self.paths),
        )
        for service in services:
            assert isinstance(service, SmtpService)
            self.run(service.start())
            self.services.append(service)
        return self

    def stop(self) -> None:
        for service in self.services:
            self.run(service.stop())
        self.run(self.delivery.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def port(self, name: str) -> int:
        return next(s.port for s in self.services if s.name == name)

    def inbox(self, address: str) -> list[bytes]:
        new = maildir_path(self.paths, address) / "new"
        return [p.read_bytes() for p in sorted(new.iterdir())] if new.exists() else []


def client_tls() -> ssl.SSLContext:
    """A client context accepting the self-signed test certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def running(root: Path, config: Config | None = None) -> Iterator[MailServer]:
    server = MailServer(root, config).start()
    try:
        yield server
    finally:
        server.stop()


# pmemail's MX listener alone in a child process (for memory measurements: the
# test process's own memory must not count). The factory's loopback config, so
# the default SIZE limit (150 MiB) applies; data under ``root/data``. Prints its
# port, serves until stdin closes.
_CHILD_SERVER = """
import asyncio, sys
from pathlib import Path
from mailcore.delivery import MaildirDelivery
from tests.tls_support import keeper_context
from mailcore.smtp.service import build_smtp_services
from mailcore.users import UserStore
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config

async def main():
    config = make_config(Path(sys.argv[1])).config
    paths = DataPaths.from_config(config)
    UserStore.from_config(config, paths).add_user("alice@example.be", "alice-pw")
    users = UserStore.from_config(config, paths)
    tls = keeper_context(config, paths)
    smtp = build_smtp_services(config, paths, users, MaildirDelivery(paths), None, tls=tls)[0]
    await smtp.start()
    print(smtp.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await smtp.stop()

asyncio.run(main())
"""


@contextlib.contextmanager
def child_server(root: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """(process, port) of an SMTP-in server running in a child process."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD_SERVER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        yield proc, int(proc.stdout.readline())
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def peak_rss_kib(pid: int) -> int:
    """The peak resident set size (VmHWM) of process ``pid``, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for pid {pid}")
