"""The outbound queue on disk: one message file and one JSON metadata file per message.

Layout in ``DataPaths.queue``::

    msg/<id>.eml     the message, exactly as it will be sent
    meta/<id>.json   sender, first_seen and one record per recipient
                     (state, attempts, next_attempt, last_error, warned)
    .lock            serialises read-modify-write of metadata between the
                     runner in ``pmemail serve`` and the ``pmemail queue`` CLI

The message file is made durable before its metadata is written, so a crash
leaves at worst a message without metadata (never acknowledged: removed by
``recover``), never metadata pointing at a missing message.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pmemail.fsutil import (
    atomic_write_json,
    durable_copy,
    exclusive_lock,
    fsync_dir,
    make_private_dir,
)

RecipientState = Literal["queued", "delivered", "bounced"]
_ID_RE = re.compile(r"^[0-9A-Za-z]{6,40}$")


class QueueError(Exception):
    """A queue request that cannot be honoured.

    ``str()`` is the English; ``code`` (``bad_id``, ``no_recipient``,
    ``unknown_id``) and ``params`` let a front end word it in the admin's
    language (``pmemail.app.queue_texts``, ids ``error.<code>``).
    """

    def __init__(self, message: str, code: str = "", **params: str) -> None:
        """``message``: the English sentence; ``code`` and ``params``: the same as an id."""
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass
class Recipient:
    """One recipient of a queued message and its delivery history."""

    address: str
    state: RecipientState = "queued"
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str = ""
    warned: bool = False  # a delay warning was sent (only ever once)


@dataclass
class QueueEntry:
    """A queued message: envelope, age and per-recipient records."""

    id: str
    sender: str  # "" = null sender (a bounce: never bounced itself)
    first_seen: float
    size: int
    recipients: list[Recipient] = field(default_factory=list)
    # header fields sent before the file (the DKIM-Signature made once, at queueing)
    prefix: str = ""

    def pending(self) -> list[Recipient]:
        """Recipients still waiting for delivery."""
        return [r for r in self.recipients if r.state == "queued"]

    def due(self, now: float) -> list[Recipient]:
        """Pending recipients whose next attempt time has come."""
        return [r for r in self.pending() if r.next_attempt <= now]

    def to_json(self) -> dict[str, Any]:
        """The JSON document stored in ``meta/<id>.json``."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueEntry:
        """Parse a metadata document (raises KeyError/TypeError when malformed)."""
        rcpts = [Recipient(**r) for r in data["recipients"]]
        return cls(
            id=str(data["id"]),
            sender=str(data["sender"]),
            first_seen=float(data["first_seen"]),
            size=int(data["size"]),
            recipients=rcpts,
            prefix=str(data.get("prefix", "")),
        )


def new_queue_id() -> str:
    """A unique queue id: microseconds since the epoch then random bits, in hex."""
    return f"{time.time_ns() // 1000:x}{secrets.token_hex(4)}".upper()


class QueueStore:
    """Durable storage of queued messages (no delivery logic here)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.msg_dir = root / "msg"
        self.meta_dir = root / "meta"

    def ensure(self) -> None:
        """Create the queue directories."""
        for d in (self.root, self.msg_dir, self.meta_dir):
            make_private_dir(d)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive lock for a metadata read-modify-write (held briefly)."""
        self.ensure()
        with exclusive_lock(self.root / ".lock"):
            yield

    def message_path(self, queue_id: str) -> Path:
        """Where the message of ``queue_id`` is stored."""
        return self.msg_dir / f"{queue_id}.eml"

    def _meta_path(self, queue_id: str) -> Path:
        if not _ID_RE.match(queue_id):
            raise QueueError(f"not a queue id: {queue_id!r}", "bad_id", id=repr(queue_id))
        return self.meta_dir / f"{queue_id}.json"

    def add(
        self,
        message: Path,
        sender: str,
        recipients: list[str],
        now: float | None = None,
        prefix: bytes = b"",
    ) -> QueueEntry:
        """Queue ``message`` for ``recipients``; durable when this returns.

        The message is hard-linked (or copied) into the queue, so the caller may
        delete its own file afterwards. ``prefix`` (CRLF-ended header fields,
        ASCII: a DKIM signature) is kept in the metadata and sent before the
        file, so a 150 MB message is not rewritten to gain one header.
        """
        if not recipients:
            raise QueueError("a queued message needs at least one recipient", "no_recipient")
        self.ensure()
        now = time.time() if now is None else now
        queue_id = new_queue_id()
        target = self.message_path(queue_id)
        durable_copy(message, target)
        entry = QueueEntry(
            id=queue_id,
            sender=sender,
            first_seen=now,
            size=target.stat().st_size + len(prefix),
            recipients=[Recipient(address=r, next_attempt=now) for r in dict.fromkeys(recipients)],
            prefix=prefix.decode("ascii"),
        )
        with self.lock():
            self.save(entry)
        return entry

    def save(self, entry: QueueEntry) -> None:
        """Write ``entry``'s metadata atomically (call under ``lock``)."""
        atomic_write_json(self._meta_path(entry.id), entry.to_json())

    def load(self, queue_id: str) -> QueueEntry | None:
        """The entry of ``queue_id``; None when it is gone or unreadable."""
        try:
            data = json.loads(self._meta_path(queue_id).read_bytes())
            return QueueEntry.from_json(data)
        except (QueueError, OSError, ValueError, KeyError, TypeError):
            return None

    def ids(self) -> list[str]:
        """Ids of every message with metadata, oldest first."""
        if not self.meta_dir.is_dir():
            return []
        return sorted(p.stem for p in self.meta_dir.glob("*.json") if _ID_RE.match(p.stem))

    def entries(self) -> list[QueueEntry]:
        """Every readable entry, oldest first."""
        return [e for e in (self.load(i) for i in self.ids()) if e is not None]

    def remove(self, queue_id: str) -> bool:
        """Delete a message and its metadata (call under ``lock``); False if absent."""
        meta = self._meta_path(queue_id)
        existed = meta.exists()
        meta.unlink(missing_ok=True)  # metadata first: a crash leaves only an orphan message
        self.message_path(queue_id).unlink(missing_ok=True)
        if existed:
            fsync_dir(self.meta_dir)
        return existed

    def recover(self) -> list[str]:
        """Clean up after a crash; returns the ids still queued.

        Removes temporary files, messages without metadata (their sender never
        got an acknowledgement) and metadata whose message file is missing.
        """
        self.ensure()
        with self.lock():
            for d in (self.root, self.msg_dir, self.meta_dir):
                for tmp in d.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
            ids = set(self.ids())
            for msg in self.msg_dir.glob("*.eml"):
                if msg.stem not in ids:
                    msg.unlink(missing_ok=True)
            for queue_id in sorted(ids):
                if not self.message_path(queue_id).exists():
                    self._meta_path(queue_id).unlink(missing_ok=True)
                    ids.discard(queue_id)
        return sorted(ids)

    def retry_now(self, queue_id: str | None = None, now: float | None = None) -> int:
        """Make pending recipients due now (all messages, or one); returns how many."""
        now = time.time() if now is None else now
        count = 0
        with self.lock():
            targets = [queue_id] if queue_id else self.ids()
            for qid in targets:
                entry = self.load(qid)
                if entry is None:
                    if queue_id:
                        raise QueueError(
                            f"no queued message with id {queue_id}", "unknown_id", id=queue_id
                        )
                    continue
                for rcpt in entry.pending():
                    rcpt.next_attempt = now
                    count += 1
                self.save(entry)
        return count

    def delete(self, queue_id: str) -> None:
        """Drop a message from the queue without notifying anyone."""
        with self.lock():
            if not self.remove(queue_id):
                raise QueueError(f"no queued message with id {queue_id}", "unknown_id", id=queue_id)
