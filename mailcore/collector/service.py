"""The POP collector: fetch the ISP mailbox(es), deliver locally, then delete at the ISP.

Each new message is routed on its header block first (``TOP n 0``): one that
no local mailbox wants is never downloaded whole, but recorded by UIDL as
held (``mailcore.collector.held``), logged once, and left at the ISP until
the admin assigns or drops it. Per routed message the order is: record
"pending" → RETR and deliver (durable) → record the UIDL as delivered → DELE
(unless the mailbox has ``keep``: then DELE only ``keep_days`` after
delivery, or never); QUIT at the end commits the deletions (RFC 1939).
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
import email.utils
import logging
import os
import poplib
import tempfile
import time
from collections.abc import Callable
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path

from mailcore.collector.held import (
    Decision,
    done,
    held_from_headers,
    held_messages,
    key_of,
    read_decisions,
)
from mailcore.collector.pop_io import (
    describe_error,
    error_message,
    is_err_answer,
    listed_size,
    open_pop,
    read_header_block,
    retr_to_file,
    top_headers,
)
from mailcore.collector.routing import resolve, route
from mailcore.collector.state import Pending, UidState, fetch_token, state_file
from mailcore.delivery import maildir_path
from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.periodic import PeriodicTask
from mailcore.status import CollectorError, CollectorStatus, HeldStatus
from pmemail.config.collector import CollectorConfig, CollectorMailbox
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir

log = logging.getLogger(__name__)

TOKEN_HEADER = b"X-Pmemail-Fetch"
_HEADER_SCAN = 64 * 1024
_DAY = 86400.0
Hook = Callable[[str, str], None]  # (step, uid): test hook to simulate crashes


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
        self.errors: list[CollectorError] = []
        self._held: list[HeldStatus] = []
        self._periodic = PeriodicTask(self.run_once, lambda: self.config.interval, "collector")

    async def start(self) -> None:
        """Start polling (the first run is immediate); warn about multi-drop without fallback."""
        for box in self.config.mailboxes:
            if box.multidrop and not (box.fallback or box.deliver_to):
                log.warning(
                    "collector: %s@%s has multidrop and no fallback: a message for no "
                    "local user is held at the ISP until `pmemail collector assign` or "
                    "`drop` (see `pmemail collector held`)",
                    box.username,
                    box.host,
                )
        self._held = await asyncio.to_thread(self._load_held)
        self._periodic.start()

    def wake(self) -> None:
        """Run now (the admin just decided about a held message) instead of at the interval."""
        self._periodic.wake()

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
            "errors": list(self.errors),
            "mailboxes": len(self.config.mailboxes),
            "interval": self.config.interval,
            "held": list(self._held),
        }

    def _load_held(self) -> list[HeldStatus]:
        return [
            {
                "mailbox": m.mailbox,
                "uidl": m.uid,
                "size": m.held.size,
                "sender": m.held.sender,
                "to": m.held.to,
                "subject": m.held.subject,
                "since": m.held.since,
                "decided": m.decided.action if m.decided else "",
            }
            for m in held_messages(self.paths.state, self.config.mailboxes)
        ]

    async def run_once(self) -> int:
        """Fetch every mailbox once; returns how many messages were delivered."""
        total, errors, worded = 0, [], []
        for mailbox in self.config.mailboxes:
            try:
                total += await self.fetch(mailbox)
            except (OSError, poplib.error_proto, ValueError) as err:
                errors.append(f"{mailbox.username}@{mailbox.host}: {describe_error(err)}")
                code, params = error_message(err)
                params["mailbox"] = f"{mailbox.username}@{mailbox.host}"
                worded.append(CollectorError(code=code, params=params))
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
        self.errors = worded
        self._held = await asyncio.to_thread(self._load_held)
        return total

    async def fetch(self, mailbox: CollectorMailbox) -> int:
        """One POP session: deliver what is new, delete what is delivered (or due)."""
        state = UidState.load(
            state_file(self.paths.state, mailbox.host, mailbox.port, mailbox.username)
        )
        decisions = read_decisions(self.paths.state, key_of(mailbox))
        pop = await asyncio.to_thread(open_pop, mailbox, self.config.timeout)
        delivered = 0
        applied: list[Decision] = []
        try:
            _, lines, _ = await asyncio.to_thread(pop.uidl)
            listing = [line.decode("ascii", "replace").split(None, 1) for line in lines]
            present = {uid for _, uid in listing}
            await self._recover(state, present)
            deleted: set[str] = set()
            for num, uid in listing:
                # a decision counts for a held message only (a stale one is just removed)
                decision = decisions.get(uid) if uid in state.held else None
                if uid in state.held:
                    if decision is None:
                        continue  # waits for the admin, never downloaded again
                    applied.append(decision)
                    if decision.action == "assign":
                        boxes = resolve(self.users, decision.to)
                        if not boxes:
                            log.error("collector: %s cannot be assigned to %s", uid, decision.to)
                            continue
                        if not await self._deliver_one(pop, mailbox, state, num, uid, boxes):
                            continue
                        delivered += 1
                elif uid not in state.delivered:
                    routed = await self._route(pop, mailbox, state, num, uid)
                    if routed == []:
                        continue  # held
                    if not await self._deliver_one(pop, mailbox, state, num, uid, routed):
                        continue
                    delivered += 1
                if not self._deletion_due(mailbox, state, uid, decision):
                    continue
                await asyncio.to_thread(pop.dele, int(num))
                self._step("deleted", uid)
                deleted.add(uid)
            await asyncio.to_thread(pop.quit)  # commits the DELEs
        except BaseException:
            pop.close()  # no QUIT: the ISP keeps every message (RFC 1939 §6)
            raise
        # Gone from the ISP now (or already before): no need to remember them.
        state.forget(deleted | (state.known() - present))
        for decision in applied + [d for uid, d in decisions.items() if uid not in state.held]:
            done(self.paths.state, decision)  # carried out, or its message is gone/delivered
        self.fetched += delivered
        return delivered

    def _deletion_due(
        self, mailbox: CollectorMailbox, state: UidState, uid: str, decision: Decision | None
    ) -> bool:
        """Whether to DELE ``uid`` now: dropped, or delivered and not kept (any longer)."""
        if decision is not None and decision.action == "drop":
            return True
        if uid not in state.delivered:
            return False  # still held (an assignment that failed)
        if not mailbox.keep:
            return True
        if mailbox.keep_days <= 0:
            return False
        return time.time() - state.delivered_at[uid] >= mailbox.keep_days * _DAY

    async def _route(
        self, pop: poplib.POP3, mailbox: CollectorMailbox, state: UidState, num: str, uid: str
    ) -> list[str] | None:
        """Local mailboxes for a new message from ``TOP n 0``; [] = held now.

        None when the ISP has no TOP (optional in RFC 1939): then the message is
        routed after RETR, and held after that one download if unroutable.
        """
        try:
            header_block = await asyncio.to_thread(top_headers, pop, int(num))
        except poplib.error_proto as err:
            if not is_err_answer(err):
                raise  # the connection broke: the session fails as usual
            return None
        headers = BytesHeaderParser().parsebytes(header_block)
        boxes = route(headers, mailbox, self.users)
        if not boxes:
            size = await asyncio.to_thread(listed_size, pop, num)
            self._hold(mailbox, state, uid, headers, size)
        return boxes

    def _hold(
        self, mailbox: CollectorMailbox, state: UidState, uid: str, headers: Message, size: int
    ) -> None:
        held = held_from_headers(headers, size)
        state.hold(uid, held)
        self._step("held", uid)
        # Logged once: a held message is skipped without a word on later runs.
        log.error(
            "collector: message %s at %s (from %s, %d bytes) has no local recipient: held "
            "at the ISP until `pmemail collector assign %s USER` or `drop %s`",
            uid,
            mailbox.host,
            held.sender or "?",
            size,
            uid,
            uid,
        )

    async def _deliver_one(
        self,
        pop: poplib.POP3,
        mailbox: CollectorMailbox,
        state: UidState,
        num: str,
        uid: str,
        routed: list[str] | None,
    ) -> bool:
        token = fetch_token(mailbox.host, mailbox.port, mailbox.username, uid)
        # The writer's pid in the name: a restart removes the file of a dead one at once.
        prefix = f".fetch-{os.getpid()}-"
        with tempfile.NamedTemporaryFile(dir=self._spool_dir(), prefix=prefix) as f:
            # Streamed to the spool file: poplib's retr() would hold the whole message.
            await asyncio.to_thread(retr_to_file, pop, int(num), f)
            f.flush()
            f.seek(0)
            spool = Path(f.name)
            boxes = routed
            if boxes is None:  # no TOP at this ISP: route on the downloaded copy
                headers = BytesHeaderParser().parsebytes(read_header_block(f))
                boxes = route(headers, mailbox, self.users)
                if not boxes:
                    self._hold(mailbox, state, uid, headers, spool.stat().st_size)
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
