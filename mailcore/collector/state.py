"""What the collector remembers per ISP mailbox: UIDLs delivered and deliveries in flight.

The file is rewritten atomically (fsync, rename, directory fsync) at every
step, so after a crash at any point the next run knows, for each message
still at the ISP, whether it was delivered already (then it is only deleted)
or possibly half delivered (then the Maildirs are searched for it by its
fetch token before anything is delivered again).
"""

from __future__ import annotations

import hashlib
import json
import re
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
class UidState:
    """Delivered UIDLs and pending deliveries of one ISP mailbox."""

    path: Path
    delivered: set[str] = field(default_factory=set)
    pending: dict[str, Pending] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> UidState:
        """Read the state file (a missing file is an empty state)."""
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(path)
        return cls(
            path,
            set(data.get("delivered", [])),
            {uid: Pending(**p) for uid, p in data.get("pending", {}).items()},
        )

    def save(self) -> None:
        """Write the state durably."""
        make_private_dir(self.path.parent)
        atomic_write_json(
            self.path,
            {
                "delivered": sorted(self.delivered),
                "pending": {uid: vars(p) for uid, p in self.pending.items()},
            },
        )

    def mark_pending(self, uid: str, pending: Pending) -> None:
        """Record that delivery of ``uid`` starts now (durable)."""
        self.pending[uid] = pending
        self.save()

    def mark_delivered(self, uid: str) -> None:
        """Record that ``uid`` is durably delivered (durable)."""
        self.pending.pop(uid, None)
        self.delivered.add(uid)
        self.save()

    def forget(self, uids: set[str]) -> None:
        """Drop UIDLs of messages that are gone from the ISP."""
        if uids & (self.delivered | set(self.pending)):
            self.delivered -= uids
            for uid in uids:
                self.pending.pop(uid, None)
            self.save()


def state_file(state_dir: Path, host: str, port: int, username: str) -> Path:
    """The state file of one ISP mailbox inside ``DataPaths.state``."""
    key = re.sub(r"[^A-Za-z0-9._@-]", "_", f"{username}@{host}_{port}")
    return state_dir / "collector" / f"{key}.json"


def fetch_token(host: str, port: int, username: str, uid: str) -> str:
    """A stable id of one ISP message, written into the delivered copy's headers."""
    return hashlib.sha256(f"{username}@{host}:{port}/{uid}".encode()).hexdigest()[:32]
