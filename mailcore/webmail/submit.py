"""Sending from the webmail through the same policy as SMTP submission (port 1234).

The submission server's policy is aiosmtpd hooks, not a callable function, so
this module calls the same helpers (``mailcore.smtp.addresses``): the sender
must be the user or one of their aliases, recipients are routed with
``route_recipient`` (relay tricks refused), local copies go through
``LocalDelivery`` and remote ones into the outbound queue, and a copy is
filed in the user's Sent folder. Everything is durable when ``submit`` returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.smtp.addresses import Refused, route_recipient, sender_allowed
from mailcore.smtp.handlers import OutboundQueue
from mailcore.webmail.wording import WordedError

log = logging.getLogger("pmemail.webmail")


class SubmitError(WordedError):
    """The message cannot be sent; the sentence is shown to the user."""


@dataclass
class SubmitResult:
    """Where the copies went."""

    local: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    queue_id: str = ""


class Submitter(Protocol):
    """What the webmail needs to send a spooled message."""

    async def submit(
        self, user: str, sender: str, recipients: list[str], spool: Path
    ) -> SubmitResult:
        """Check and send ``spool`` from ``sender`` (owned by ``user``) to ``recipients``."""
        ...


class PolicySubmitter:
    """``Submitter`` applying the submission server's checks."""

    def __init__(
        self,
        users: UserDirectory,
        delivery: LocalDelivery,
        queue: OutboundQueue | None,
        default_domain: str,
    ) -> None:
        """Deliver local copies with ``delivery``, remote ones via ``queue`` (None = refuse)."""
        self.users = users
        self.delivery = delivery
        self.queue = queue
        self.default_domain = default_domain
        self.sent = 0

    async def submit(
        self, user: str, sender: str, recipients: list[str], spool: Path
    ) -> SubmitResult:
        """Route, deliver, queue and file in Sent; raises ``SubmitError`` before any copy."""
        if not sender_allowed(user, sender, self.users):
            raise SubmitError("not_your_address", sender=sender)
        if not recipients:
            raise SubmitError("add_recipient")
        result = SubmitResult()
        boxes: list[str] = []
        for rcpt in recipients:
            try:
                addr, local = route_recipient(
                    rcpt, self.users, authenticated=True, default_domain=self.default_domain
                )
            except Refused as refused:
                raise SubmitError("recipient_refused", reason=_reason(refused.status)) from None
            if local is None:
                result.remote.append(addr)
            else:
                result.local.append(addr)
                boxes.extend(local)
        if result.remote and self.queue is None:
            raise SubmitError("outbound_unavailable")
        try:
            if boxes:
                await self.delivery.deliver(
                    spool,
                    list(dict.fromkeys(boxes)),
                    headers=f"Return-Path: <{sender}>\r\n".encode(),
                )
            if result.remote:
                assert self.queue is not None
                result.queue_id = await self.queue.enqueue(spool, sender, result.remote)
            await self.delivery.deliver(spool, [user], folder="Sent")
        except OSError as err:
            log.error("webmail send by %s failed: %s", user, err)
            raise SubmitError("not_stored") from err
        self.sent += 1
        log.info(
            "webmail: %s sent to %s%s",
            user,
            ", ".join(recipients),
            f", outbound queue id {result.queue_id}" if result.queue_id else "",
        )
        return result


def _reason(status: str) -> str:
    """The human part of an SMTP reply line ("550 5.1.1 x: no such user" -> "x: no such...")."""
    parts = status.split(" ", 2)
    return parts[2] if len(parts) == 3 else status
