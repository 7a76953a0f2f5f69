"""Decoded one-line summaries of messages, for message lists (webmail, CLI).

IMAP sends headers raw; a list view wants them decoded (encoded words, the
Date as a datetime). Only the header block is read, never the body.
"""

from __future__ import annotations

import datetime
import email.policy
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from mailcore.mailstore.folder import Folder

_HEADER_LIMIT = 256 * 1024
_parser = BytesHeaderParser(policy=email.policy.default)


@dataclass(frozen=True)
class MessageSummary:
    """What a message list shows for one message."""

    uid: int
    flags: frozenset[str]
    size: int
    received: datetime.datetime
    subject: str
    sender: str
    recipients: str
    date: datetime.datetime | None
    message_id: str


def _header_block(folder: Folder, uid: int) -> bytes:
    with open(folder.file(uid), "rb") as f:
        data = f.read(_HEADER_LIMIT)
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = data.find(sep)
        if end >= 0:
            return data[:end + len(sep)]
    return data


def _text(msg: object, name: str) -> str:
    try:
        value = msg[name]  # type: ignore[index]
    except (ValueError, TypeError, IndexError):
        return ""  # header the email package cannot even parse
    return "" if value is None else str(value)


def summarize(folder: Folder, uid: int) -> MessageSummary:
    """The summary of message ``uid`` (KeyError if it is gone, OSError on I/O)."""
    rec = folder.by_uid[uid]
    msg = _parser.parsebytes(_header_block(folder, uid))
    date: datetime.datetime | None
    try:
        raw_date = msg["date"]
        date = raw_date.datetime if raw_date is not None else None
    except (ValueError, TypeError, AttributeError, IndexError):
        date = None
    return MessageSummary(
        uid=uid, flags=rec.flags, size=rec.size,
        received=datetime.datetime.fromtimestamp(rec.internaldate, datetime.UTC),
        subject=_text(msg, "subject"), sender=_text(msg, "from"), recipients=_text(msg, "to"),
        date=date, message_id=_text(msg, "message-id"))


def summaries(folder: Folder, uids: list[int] | None = None) -> list[MessageSummary]:
    """Summaries of ``uids`` (default: every message), skipping unreadable files."""
    out = []
    for uid in folder.by_uid if uids is None else uids:
        try:
            out.append(summarize(folder, uid))
        except (KeyError, OSError):
            continue
    return out
