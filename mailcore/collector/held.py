"""Held messages (no local recipient, left at the ISP) and the admin's decisions about them.

The collector records a held message in its state file (``state.Held``) and
never downloads it again. ``pmemail collector assign|drop`` does not touch
that file nor the ISP: it writes one small decision file into
``state/collector/decisions/`` (atomically; the server may run or not). The
collector applies a decision in its next session with that ISP mailbox —
deliver the message to the chosen user, or delete it at the ISP — then
removes the file. So only the collector ever writes its state file or talks
to the ISP, and a decision survives a restart until it is carried out.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Literal

from mailcore.collector.state import Held, UidState, mailbox_key, state_file
from pmemail.config.collector import CollectorMailbox
from pmemail.fsutil import atomic_write_json, make_private_dir

Action = Literal["assign", "drop"]


@dataclass(frozen=True)
class Decision:
    """What the admin decided about one held message."""

    mailbox: str  # ``state.mailbox_key`` of the ISP mailbox
    uid: str  # its UIDL there
    action: Action
    to: str = ""  # assign: the local address it goes to


@dataclass(frozen=True)
class HeldMessage:
    """One held message as the CLI, ``status`` and the dashboard show it."""

    mailbox: str  # ``user@host:port`` of the ISP mailbox
    uid: str
    held: Held
    decided: Decision | None  # decided, not yet carried out


def held_from_headers(headers: Message, size: int) -> Held:
    """What the admin sees of a held message: From, To and Subject (decoded, short)."""
    return Held(
        time.time(),
        size,
        _short(headers.get("From")),
        _short(headers.get("To")),
        _short(headers.get("Subject")),
    )


def _short(value: object, limit: int = 200) -> str:
    if value is None:
        return ""
    try:
        text = str(make_header(decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):  # a broken encoded-word: shown raw
        text = str(value)
    # Printed on the admin's terminal: no escape sequences from a stranger's header.
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:limit]


def decisions_dir(state_dir: Path) -> Path:
    """Where decision files wait for the collector."""
    return state_dir / "collector" / "decisions"


def _decision_path(state_dir: Path, mailbox: str, uid: str) -> Path:
    digest = hashlib.sha256(f"{mailbox}/{uid}".encode()).hexdigest()[:32]
    return decisions_dir(state_dir) / f"{digest}.json"


def write_decision(state_dir: Path, decision: Decision) -> None:
    """Record ``decision`` for the collector (replaces an earlier one for that message)."""
    path = _decision_path(state_dir, decision.mailbox, decision.uid)
    make_private_dir(path.parent)
    atomic_write_json(path, vars(decision))


def read_decisions(state_dir: Path, mailbox: str) -> dict[str, Decision]:
    """The decisions waiting for ``mailbox`` (a ``mailbox_key``), by UIDL."""
    found: dict[str, Decision] = {}
    folder = decisions_dir(state_dir)
    if not folder.is_dir():
        return found
    for path in folder.glob("*.json"):
        try:
            data = json.loads(path.read_bytes())
            decision = Decision(
                str(data["mailbox"]), str(data["uid"]), data["action"], str(data.get("to", ""))
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written by hand or by a newer version: left alone
        if decision.mailbox == mailbox and decision.action in ("assign", "drop"):
            found[decision.uid] = decision
    return found


def done(state_dir: Path, decision: Decision) -> None:
    """Remove a decision once carried out (or once its message is gone from the ISP)."""
    _decision_path(state_dir, decision.mailbox, decision.uid).unlink(missing_ok=True)


def key_of(mailbox: CollectorMailbox) -> str:
    """The ``mailbox_key`` of a configured ISP mailbox."""
    return mailbox_key(mailbox.host, mailbox.port, mailbox.username)


def held_messages(state_dir: Path, mailboxes: Iterable[CollectorMailbox]) -> list[HeldMessage]:
    """Every held message of the configured ISP mailboxes, oldest first."""
    found: list[HeldMessage] = []
    for box in mailboxes:
        state = UidState.load(state_file(state_dir, box.host, box.port, box.username))
        decisions = read_decisions(state_dir, key_of(box))
        label = f"{box.username}@{box.host}:{box.port}"
        found.extend(
            HeldMessage(label, uid, held, decisions.get(uid)) for uid, held in state.held.items()
        )
    return sorted(found, key=lambda m: (m.held.since, m.mailbox, m.uid))
