"""What the collector remembers per ISP mailbox: UIDLs delivered, in flight and held.

The file is rewritten atomically (fsync, rename, directory fsync) at every
step, so after a crash at any point the next run knows, for each message
still at the ISP, whether it was delivered already (then it is only deleted)
or possibly half delivered (then the Maildirs are searched for it by its
fetch token before anything is delivered again). A delivered UIDL carries
the time of its delivery (``keep_days`` counts from it); a held one (no local
recipient) what the admin needs to decide about it, from its headers only.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from pmemail.fsutil import atomic_write_json, make_private_dir


@dataclass
class Pending:
    """A delivery that had started: where to, since when, and its token header."""

    token: str
    mailboxes: list[str]
    since: float


@dataclass
class Held:
    """A message left at the ISP because no local mailbox could be found for it."""

    since: float  # when it was first seen unroutable
    size: int  # bytes, as the ISP's LIST says
    sender: str  # From, To and Subject as found in its header block
    to: str
    subject: str


@dataclass
class UidState:
    """Delivered UIDLs (with their delivery time), pending deliveries and held messages."""

    path: Path
    delivered_at: dict[str, float] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    held: dict[str, Held] = field(default_factory=dict)

    @property
    def delivered(self) -> set[str]:
        """The UIDLs delivered here (at the ISP still, or about to be deleted)."""
        return set(self.delivered_at)

    @classmethod
    def load(cls, path: Path) -> UidState:
        """Read the state file (a missing file is an empty state)."""
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(path)
        delivered = data.get("delivered", {})
        if isinstance(delivered, list):  # written before delivery times were kept
            delivered = dict.fromkeys(delivered, time.time())
        return cls(
            path,
            {str(uid): float(at) for uid, at in delivered.items()},
            {uid: Pending(**p) for uid, p in data.get("pending", {}).items()},
            {uid: Held(**h) for uid, h in data.get("held", {}).items()},
        )

    def save(self) -> None:
        """Write the state durably."""
        make_private_dir(self.path.parent)
        atomic_write_json(
            self.path,
            {
                "delivered": dict(sorted(self.delivered_at.items())),
                "pending": {uid: vars(p) for uid, p in self.pending.items()},
                "held": {uid: vars(h) for uid, h in self.held.items()},
            },
        )

    def hold(self, uid: str, held: Held) -> None:
        """Record that ``uid`` has no local recipient and stays at the ISP (durable)."""
        self.held[uid] = held
        self.save()

    def mark_pending(self, uid: str, pending: Pending) -> None:
        """Record that delivery of ``uid`` starts now (durable)."""
        self.pending[uid] = pending
        self.save()

    def mark_delivered(self, uid: str) -> None:
        """Record that ``uid`` is durably delivered (durable)."""
        self.pending.pop(uid, None)
        self.held.pop(uid, None)
        self.delivered_at[uid] = time.time()
        self.save()

    def forget(self, uids: set[str]) -> None:
        """Drop UIDLs of messages that are gone from the ISP."""
        if uids & (self.delivered | set(self.pending) | set(self.held)):
            for uid in uids:
                self.delivered_at.pop(uid, None)
                self.pending.pop(uid, None)
                self.held.pop(uid, None)
            self.save()

    def known(self) -> set[str]:
        """Every UIDL this state says something about."""
        return self.delivered | set(self.pending) | set(self.held)


def mailbox_key(host: str, port: int, username: str) -> str:
    """The file-name-safe name of one ISP mailbox (its state file's stem)."""
    return re.sub(r"[^A-Za-z0-9._@-]", "_", f"{username}@{host}_{port}")


def state_file(state_dir: Path, host: str, port: int, username: str) -> Path:
    """The state file of one ISP mailbox inside ``DataPaths.state``."""
    return state_dir / "collector" / f"{mailbox_key(host, port, username)}.json"


def fetch_token(host: str, port: int, username: str, uid: str) -> str:
    """A stable id of one ISP message, written into the delivered copy's headers."""
    return hashlib.sha256(f"{username}@{host}:{port}/{uid}".encode()).hexdigest()[:32]
