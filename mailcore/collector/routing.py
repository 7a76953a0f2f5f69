"""Which local mailboxes a collected message goes to (single-drop or multi-drop)."""

from __future__ import annotations

from email.message import Message
from email.utils import getaddresses

from mailcore.interfaces import UserDirectory
from pmemail.config.collector import CollectorMailbox

# Most specific first: the envelope recipient the ISP recorded, then the headers.
_TIERS = (("delivered-to",), ("x-original-to",), ("to", "cc"))


def resolve(users: UserDirectory, address: str) -> list[str]:
    """The local mailboxes of ``address``; empty when it is not ours."""
    try:
        return users.resolve(address) or []
    except ValueError:  # not a plausible address (UserError): not ours
        return []


def route(headers: Message, mailbox: CollectorMailbox, users: UserDirectory) -> list[str]:
    """Local mailboxes for a message; empty when it cannot be routed.

    Single-drop sends everything to ``deliver_to``. Multi-drop takes the first
    header tier naming a local recipient (Delivered-To, then X-Original-To,
    then To and Cc together), else ``fallback`` (or ``deliver_to``).
    """
    if mailbox.multidrop:
        for tier in _TIERS:
            values = [str(v) for name in tier for v in headers.get_all(name, [])]
            boxes: list[str] = []
            for _, address in getaddresses(values):
                if "@" in address:
                    boxes.extend(resolve(users, address))
            if boxes:
                return list(dict.fromkeys(boxes))
        target = mailbox.fallback or mailbox.deliver_to
    else:
        target = mailbox.deliver_to
    return resolve(users, target) if target else []
