"""The POP collector: fetch the ISP mailbox(es), deliver locally, then delete at the ISP.

Per message the order is: record "pending" → deliver (durable) → record the
UIDL as delivered → DELE; QUIT at the end commits the deletions (RFC 1939).
A crash at any point neither loses nor duplicates a message:

* before delivery finished: the message is still at the ISP; the pending
  record makes the next run search the Maildirs for the copy's
  ``X-Pmemail-Fetch`` token and deliver only to mailboxes that lack it;
* after the UIDL was recorded but before QUIT: the ISP still has it, and the
  next run deletes it without delivering again.

``poplib`` blocks, so each POP command runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import poplib
import ssl
import tempfile
import time
from collections.abc import Callable
from email.parser import BytesHeaderParser
from pathlib import Path

from mailcore.collector.pop_io import describe_error, read_header_block, retr_to_file
from mailcore.collector.routing import route
from mailcore.collector.state import Pending, UidState, fetch_token, state_file
from mailcore.delivery import maildir_path
from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.periodic import PeriodicTask
from mailcore.status import CollectorStatus
from pmemail.config.model import CollectorConfig, CollectorMailbox
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir

log = logging.getLogger(__name__)

TOKEN_HEADER = b"X-Pmemail-Fetch"
_HEADER_SCAN = 64 * 1024
Hook = Callable[[str, str], None]  # (step, uid): test hook to simulate crashes


def open_pop(mailbox: CollectorMailbox, timeout: float) -> poplib.POP3:
    """Connect and log in (SSL, STLS or plain; TLS verified against ``ca_file`` or the system)."""
    ctx = ssl.create_default_context(cafile=mailbox.ca_file or None)
    pop: poplib.POP3
    if mailbox.tls == "ssl":
        pop = poplib.POP3_SSL(mailbox.host, mailbox.port, timeout=timeout, context=ctx)
    else:
        pop = poplib.POP3(mailbox.host, mailbox.port, timeout=timeout)
    try:
        if mailbox.tls == "starttls":
            pop.stls(context=ctx)
        pop.user(mailbox.username)
        pop.pass_(mailbox.password)
    except BaseException:
        # A failed STLS handshake leaves poplib a detached socket whose close()
        # raises EBADF: that must not hide the real error (e.g. an untrusted cert).
        with contextlib.suppress(OSError):
            pop.close()
        raise
    return pop


class Collector:
    """``mailcore.interfaces.Service`` that polls every ``collector.mailboxes`` entry."""

    name = "collector"

    def __init__(
        self,
        config: CollectorConfig,
        paths: DataPaths,
        users: UserDirectory,
        delivery: LocalDelivery,
        hostname: str,
        hook: Hook | None = None,
    ) -> None:
        self.config = config
        self.paths = paths
        self.users = users
        self.delivery = delivery
        self.hostname = hostname
        self.hook = hook
        self.fetched = 0
        self.runs = 0
        self.last_run: float | None = None
        self.last_error = ""
        self._periodic = PeriodicTask(self.run_once, lambda: self.config.interval, "collector")

    async def start(self) -> None:
        """Start polling (the first run is immediate)."""
        self._periodic.start()

    async def stop(self) -> None:
        """Stop polling; an interrupted run is completed by the next start (see module doc)."""
        await self._periodic.stop()

    def status(self) -> CollectorStatus:
        """Last run, messages fetched, last error, for the control socket."""
        return {
            "last_run": self.last_run,
            "runs": self.runs,
            "fetched": self.fetched,
            "last_error": self.last_error,
            "mailboxes": len(self.config.mailboxes),
            "interval": self.config.interval,
        }

    async def run_once(self) -> int:
        """Fetch every mailbox once; returns how many messages were delivered."""
        total, errors = 0, []
        for mailbox in self.config.mailboxes:
            try:
                total += await self.fetch(mailbox)
            except (OSError, poplib.error_proto, ValueError) as err:
                errors.append(f"{mailbox.username}@{mailbox.host}: {describe_error(err)}")
                log.warning(
                    "collector: %s@%s:%d failed: %s",
                    mailbox.username,
                    mailbox.host,
                    mailbox.port,
                    describe_error(err),
                )
        self.runs += 1
        self.last_run = time.time()
        self.last_error = "; ".join(errors)
        return total

    async def fetch(self, mailbox: CollectorMailbox) -> int:
        """One POP session: deliver what is new, delete what is delivered."""
        state = UidState.load(
            state_file(self.paths.state, mailbox.host, mailbox.port, mailbox.username)
        )
        pop = await asyncio.to_thread(open_pop, mailbox, self.config.timeout)
        delivered = 0
        try:
            _, lines, _ = await asyncio.to_thread(pop.uidl)
            listing = [line.decode("ascii", "replace").split(None, 1) for line in lines]
            present = {uid for _, uid in listing}
            await self._recover(state, present)
            deleted: set[str] = set()
            for num, uid in listing:
                if uid not in state.delivered:
                    if not await self._deliver_one(pop, mailbox, state, num, uid):
                        continue
                    delivered += 1
                await asyncio.to_thread(pop.dele, int(num))
                self._step("deleted", uid)
                deleted.add(uid)
            await asyncio.to_thread(pop.quit)  # commits the DELEs
        except BaseException:
            pop.close()  # no QUIT: the ISP keeps every message (RFC 1939 §6)
            raise
        # Gone from the ISP now (or already before): no need to remember them.
        state.forget(deleted | ((state.delivered | set(state.pending)) - present))
        self.fetched += delivered
        return delivered

    async def _deliver_one(
        self, pop: poplib.POP3, mailbox: CollectorMailbox, state: UidState, num: str, uid: str
    ) -> bool:
        token = fetch_token(mailbox.host, mailbox.port, mailbox.username, uid)
        with tempfile.NamedTemporaryFile(dir=self._spool_dir(), prefix=".fetch-") as f:
            # Streamed to the spool file: poplib's retr() would hold the whole message.
            await asyncio.to_thread(retr_to_file, pop, int(num), f)
            f.flush()
            f.seek(0)
            spool = Path(f.name)
            headers = BytesHeaderParser().parsebytes(read_header_block(f))
            boxes = route(headers, mailbox, self.users)
            if not boxes:
                log.error(
                    "collector: message %s at %s has no local recipient and no "
                    "fallback; left at the ISP",
                    uid,
                    mailbox.host,
                )
                return False
            pending = state.pending.get(uid)
            if pending is not None:  # a half-finished delivery found by _recover
                boxes = [b for b in boxes if b not in pending.mailboxes] + [
                    b for b in pending.mailboxes if not self._has_copy(b, pending)
                ]
                boxes = list(dict.fromkeys(boxes))
            state.mark_pending(uid, Pending(token, boxes, time.time()))
            self._step("pending", uid)
            if boxes:
                await self.delivery.deliver(spool, boxes, self._trace(mailbox, uid, token))
            self._step("delivered", uid)
            state.mark_delivered(uid)
            self._step("recorded", uid)
        log.info("collector: %s from %s delivered to %s", uid, mailbox.host, ", ".join(boxes))
        return True

    async def _recover(self, state: UidState, present: set[str]) -> None:
        """After a crash mid-delivery: mark as delivered what every target already has."""
        for uid, pending in list(state.pending.items()):
            if uid not in present:
                continue
            if await asyncio.to_thread(self._complete, pending):
                state.mark_delivered(uid)
            # else: left pending; _deliver_one delivers to the mailboxes lacking a copy

    def _complete(self, pending: Pending) -> bool:
        return all(self._has_copy(box, pending) for box in pending.mailboxes)

    def _has_copy(self, mailbox: str, pending: Pending) -> bool:
        """Whether ``mailbox`` holds a message carrying ``pending.token`` (recent files only)."""
        needle = TOKEN_HEADER + b": " + pending.token.encode()
        base = maildir_path(self.paths, mailbox)
        for sub in ("new", "cur"):
            directory = base / sub
            if not directory.is_dir():
                continue
            for path in directory.iterdir():
                try:
                    if path.stat().st_mtime < pending.since - 2:
                        continue
                    with path.open("rb") as f:
                        if needle in f.read(_HEADER_SCAN):
                            return True
                except OSError:
                    continue
        return False

    def _trace(self, mailbox: CollectorMailbox, uid: str, token: str) -> bytes:
        date = email.utils.formatdate(localtime=True)
        return (
            (
                f"Received: from {mailbox.host} by {self.hostname} with POP3 "
                f"(collector, uid {uid}); {date}\r\n"
            ).encode()
            + TOKEN_HEADER
            + f": {token}\r\n".encode()
        )

    def _spool_dir(self) -> Path:
        path = self.paths.state / "collector" / "spool"
        make_private_dir(path)
        return path

    def _step(self, step: str, uid: str) -> None:
        if self.hook is not None:
            self.hook(step, uid)
