"""The queue runner: tries due recipients, retries with backoff, bounces.

Temporary vs permanent failures (as maddy's queue documents them):

* a ``2xx`` from the next hop: done for that recipient;
* a ``4xx``, no answer, a network, DNS or TLS error: temporary. The recipient
  is retried after ``queue.first_retry`` seconds, each wait ``retry_factor``
  times longer, capped at ``max_retry_interval``. Once the message is older
  than ``delay_warning_after`` the sender gets one "delayed" DSN; a temporary
  failure after ``give_up_after`` turns into a bounce;
* a ``5xx``: permanent, bounced at once.

A bounce is a DSN to the envelope sender: delivered locally when the sender is
a local user, else queued with the null sender ``<>``. A message with the null
sender is a bounce itself and is never bounced (RFC 5321 §6.1).

Each pass re-reads the metadata from disk, so ``pmemail queue retry/delete``
work on a running server, and a restart (even after ``kill -9``) continues
where the last durable metadata write left off. The DSN is handed over before
the metadata records the bounce: a crash in between may send a DSN twice,
never lose it.

The counts ``status()`` shows (messages, pending recipients) are kept in
memory as the runner adds, delivers and removes messages, and reset from that
same read at start and at each pass: the dashboard polls ``status()`` on the
event loop, which must not read the whole queue directory each time. A
message deleted by ``pmemail queue delete`` leaves the counts at the next pass.
"""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mailcore.dkim.keys import DkimKeyError
from mailcore.dkim.signer import DkimSigner, SignError
from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.periodic import PeriodicTask
from mailcore.queue.dsn import Action, RecipientReport, build_dsn
from mailcore.queue.relay import Outcome, RelayClient
from mailcore.queue.store import QueueEntry, QueueStore
from mailcore.status import QueueStatus
from pmemail.config.model import QueueConfig

log = logging.getLogger(__name__)


def retry_delay(config: QueueConfig, attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed try (1 = the first)."""
    exponent = max(attempts - 1, 0)
    # Cap the exponent before pow(): a long-failing recipient must not overflow.
    delay = config.first_retry * math.pow(config.retry_factor, min(exponent, 200))
    return min(delay, config.max_retry_interval)


class QueueRunner:
    """``mailcore.interfaces.Service`` for outbound delivery, and the queue's front door."""

    name = "queue"

    def __init__(
        self,
        store: QueueStore,
        relay: RelayClient,
        users: UserDirectory,
        delivery: LocalDelivery,
        config: QueueConfig,
        hostname: str,
        clock: Callable[[], float] = time.time,
        signer: DkimSigner | None = None,
    ) -> None:
        self.store = store
        self.relay = relay
        self.users = users
        self.delivery = delivery
        self.config = config
        self.hostname = hostname
        self.clock = clock
        self.signer = signer
        self._sign_fault = ""  # the last signing failure logged: each fault is logged once
        self.delivered = 0
        self.deferred = 0
        self.bounced = 0
        self.last_run: float | None = None
        self.last_error = ""
        self._periodic = PeriodicTask(
            self.run_once, lambda: self.config.scan_interval, "queue-runner", self._pass_failed
        )
        self._in_flight: set[str] = set()
        # queue id -> recipients still pending; what status() counts, without disk reads
        self._pending: dict[str, int] = {}
        # ids changed on the event loop while a pass read the disk: newer than that read
        self._touched: set[str] = set()
        # messages in flight at once (queue.concurrency); each is one or a few connections
        self._slots = asyncio.Semaphore(max(config.concurrency, 1))

    async def enqueue(self, spool_file: Path, sender: str, recipients: list[str]) -> str:
        """Queue a spooled message for remote recipients; durable on return.

        The file is linked (or copied) into the queue: the caller may delete
        ``spool_file`` as soon as this returns. Returns the queue id.
        """
        entry = await asyncio.to_thread(self._add, spool_file, sender, recipients)
        self._count(entry.id, entry)
        # DEBUG: the SMTP or webmail line of this message already names its queue id
        if log.isEnabledFor(logging.DEBUG):
            log.debug("queued %s from <%s> to %s", entry.id, sender, ", ".join(recipients))
        self._periodic.wake()
        return entry.id

    def _add(self, message: Path, sender: str, recipients: list[str]) -> QueueEntry:
        """Sign (once, here: every retry sends the same signature) and store (blocking)."""
        return self.store.add(message, sender, recipients, self.clock(), self._signature(message))

    def _signature(self, message: Path) -> bytes:
        if self.signer is None:
            return b""
        try:
            signature = self.signer.signature(message)
            signature.decode("ascii")  # kept in the JSON metadata as text
        except (SignError, DkimKeyError, OSError, UnicodeDecodeError) as err:
            # Fail open: an unsigned message still leaves rather than none at all.
            if str(err) != self._sign_fault:
                self._sign_fault = str(err)
                log.warning("queue: message sent without a DKIM signature: %s", err)
            return b""
        self._sign_fault = ""
        return signature

    async def start(self) -> None:
        """Make missing DKIM keys, recover the on-disk queue and start the delivery loop."""
        if self.signer is not None:
            for fault in await asyncio.to_thread(self.signer.ensure_keys):
                log.warning("queue: %s", fault)
        ids = await asyncio.to_thread(self.store.recover)
        log.info("queue: %d message(s) waiting in %s", len(ids), self.store.root)
        await self._resync()  # right counts from the start, whatever the first pass does
        self._periodic.start()

    async def stop(self) -> None:
        """Stop the loop; an attempt in progress is abandoned and retried after restart."""
        await self._periodic.stop()

    def retry_now(self, queue_id: str | None = None) -> int:
        """Make pending recipients due now (the control socket's ``queue_retry``)."""
        count = self.store.retry_now(queue_id, self.clock())
        self._periodic.wake()
        return count

    def status(self) -> QueueStatus:
        """Counters and queue length for the control socket (no disk access)."""
        return {
            "delivered": self.delivered,
            "deferred": self.deferred,
            "bounced": self.bounced,
            "queue_length": len(self._pending),
            "recipients_pending": sum(self._pending.values()),
            "last_run": self.last_run,
            "last_error": self.last_error,
            "relay": (
                f"smarthost {self.relay.relay.host}:{self.relay.relay.port}"
                if self.relay.uses_smarthost()
                else "direct to MX"
            ),
        }

    def _pass_failed(self, err: Exception) -> None:
        # keep the runner alive; the next pass retries
        log.error("queue pass failed", exc_info=err)
        self.last_error = str(err)

    async def run_once(self) -> None:
        """One pass: attempt every message with a due recipient."""
        now = self.clock()
        self.last_run = now
        entries = await self._resync()
        due = [e for e in entries if e.due(now) and e.id not in self._in_flight]
        await asyncio.gather(*(self._attempt(e) for e in due))

    async def _resync(self) -> list[QueueEntry]:
        """Read every entry (off the event loop) and reset the counts from them."""
        self._touched = set()
        entries = await asyncio.to_thread(self.store.entries)
        counts = {e.id: len(e.pending()) for e in entries}
        for queue_id in self._touched:  # enqueued or recorded during the read
            if queue_id in self._pending:
                counts[queue_id] = self._pending[queue_id]
            else:
                counts.pop(queue_id, None)
        self._pending = counts
        return entries

    def _count(self, queue_id: str, entry: QueueEntry | None) -> None:
        """Record what the queue now holds for ``queue_id`` (None = removed)."""
        self._touched.add(queue_id)
        if entry is None:
            self._pending.pop(queue_id, None)
        else:
            self._pending[queue_id] = len(entry.pending())

    async def _attempt(self, entry: QueueEntry) -> None:
        self._in_flight.add(entry.id)
        try:
            async with self._slots:
                message = self.store.message_path(entry.id)
                rcpts = [r.address for r in entry.due(self.clock())]
                outcomes = await asyncio.to_thread(
                    self.relay.send, message, entry.sender, rcpts, entry.prefix.encode("ascii")
                )
                await self._record(entry.id, outcomes)
        finally:
            self._in_flight.discard(entry.id)

    async def _record(self, queue_id: str, outcomes: dict[str, Outcome]) -> None:
        now = self.clock()
        # Re-read under the lock: the CLI may have deleted or retried it meanwhile.
        with self.store.lock():
            entry = self.store.load(queue_id)
            if entry is None:
                self._count(queue_id, None)
                return
        failed, delayed = self._apply(entry, outcomes, now)
        message = self.store.message_path(queue_id)
        # Notices before the metadata: a crash here repeats a DSN, never loses one.
        if failed:
            await self._notify(entry, "failed", failed, message)
        if delayed:
            await self._notify(
                entry, "delayed", delayed, message, entry.first_seen + self.config.give_up_after
            )
        with self.store.lock():
            if self.store.load(queue_id) is None:
                self._count(queue_id, None)
                return  # deleted by `pmemail queue delete` during the attempt
            if entry.pending():
                self.store.save(entry)
                self._count(queue_id, entry)
            else:
                self.store.remove(queue_id)
                self._count(queue_id, None)

    def _apply(
        self, entry: QueueEntry, outcomes: dict[str, Outcome], now: float
    ) -> tuple[list[RecipientReport], list[RecipientReport]]:
        failed: list[RecipientReport] = []
        delayed: list[RecipientReport] = []
        age = now - entry.first_seen
        for rcpt in entry.pending():
            outcome = outcomes.get(rcpt.address)
            if outcome is None:
                continue
            rcpt.attempts += 1
            report = RecipientReport(rcpt.address, outcome.describe(), outcome.code, outcome.remote)
            if outcome.ok:
                rcpt.state, rcpt.last_error = "delivered", ""
                self.delivered += 1
                log.info(
                    "%s: delivered to <%s> via %s: %s",
                    entry.id,
                    rcpt.address,
                    outcome.remote,
                    outcome.describe(),
                )
            elif outcome.permanent or age >= self.config.give_up_after:
                rcpt.state, rcpt.last_error = "bounced", outcome.describe()
                self.bounced += 1
                failed.append(report)
                log.warning("%s: bounced <%s>: %s", entry.id, rcpt.address, outcome.describe())
            else:
                rcpt.last_error = outcome.describe()
                rcpt.next_attempt = now + retry_delay(self.config, rcpt.attempts)
                self.deferred += 1
                log.info(
                    "%s: deferred <%s> (attempt %d): %s",
                    entry.id,
                    rcpt.address,
                    rcpt.attempts,
                    outcome.describe(),
                )
                if not rcpt.warned and age >= self.config.delay_warning_after:
                    rcpt.warned = True
                    delayed.append(report)
        return failed, delayed

    async def _notify(
        self,
        entry: QueueEntry,
        action: Action,
        reports: list[RecipientReport],
        message: Path,
        retry_until: float | None = None,
    ) -> None:
        if not entry.sender:
            log.info(
                "%s: no %s notice: the message is itself a bounce (null sender)", entry.id, action
            )
            return
        data = build_dsn(
            action=action,
            sender=entry.sender,
            reporting_mta=self.hostname,
            queue_id=entry.id,
            arrival=entry.first_seen,
            reports=reports,
            message=message,
            retry_until=retry_until,
        )
        self.store.ensure()
        with tempfile.NamedTemporaryFile(dir=self.store.root, prefix=".dsn-", suffix=".tmp") as f:
            f.write(data)
            f.flush()
            dsn = Path(f.name)
            mailboxes = self.users.resolve(entry.sender)
            if mailboxes:
                await self.delivery.deliver(dsn, mailboxes)
                log.info("%s: %s notice delivered to local <%s>", entry.id, action, entry.sender)
            else:
                new = await asyncio.to_thread(self._add, dsn, "", [entry.sender])
                self._count(new.id, new)
                self._periodic.wake()
                log.info(
                    "%s: %s notice queued as %s for <%s>", entry.id, action, new.id, entry.sender
                )
