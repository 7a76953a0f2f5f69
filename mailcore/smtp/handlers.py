"""What happens to mail: inbound (MX, port 25) and submission (1234/587/465) handlers.

Both are aiosmtpd handlers (duck-typed hooks) used with ``StreamingSMTP``,
whose envelopes are ``SpooledEnvelope`` (aiosmtpd's ``Envelope`` plus the
spooled body and the recipients' routing).
Inbound accepts only local recipients and never authenticates. Submission
requires AUTH, checks that the envelope sender and the ``From:`` header belong
to the logged-in user, delivers local recipients directly and hands remote
ones to the outbound queue. Either way ``250`` is sent only after every copy
is durable (Maildir fsynced, or queue entry fsynced).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import secrets
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Protocol

from aiosmtpd.smtp import SMTP, AuthResult, Session

from mailcore.interfaces import LocalDelivery, User, UserDirectory
from mailcore.password_checks import check_password
from mailcore.resource_errors import exhausted, log_exhausted, out_of_descriptors
from mailcore.smtp.addresses import UNKNOWN_USER, Refused, route_recipient, sender_allowed
from mailcore.smtp.harvest import BLOCKED, HarvestGuard
from mailcore.smtp.session import SpooledEnvelope
from mailcore.throttle import AuthThrottle, Locked

log = logging.getLogger("pmemail.smtp")
_HEADER_SCAN = 256 * 1024  # the From: check reads at most this much of the header


class OutboundQueue(Protocol):
    """The outbound queue as submission sees it (implemented in ``mailcore.queue``)."""

    async def enqueue(self, message: Path, sender: str, recipients: list[str]) -> str:
        """Store a durable copy of ``message`` for ``recipients``; return the queue id.

        Returns only once the copy and its metadata are fsynced: submission
        answers ``250`` right after.
        """
        ...


@dataclass
class SmtpStats:
    """Counters shown by ``pmemail status``."""

    connections: int = 0
    connections_total: int = 0
    accepted: int = 0
    rejected: int = 0
    auth_failures: int = 0
    queued: int = 0


class BaseHandler:
    """Shared hooks: EHLO extensions, Received header, routing and delivery."""

    authenticated_only = False

    def __init__(
        self, users: UserDirectory, delivery: LocalDelivery, hostname: str, default_domain: str
    ) -> None:
        """Serve ``users`` delivering through ``delivery``; ``hostname`` for headers."""
        self.users = users
        self.delivery = delivery
        self.hostname = hostname
        self.default_domain = default_domain
        self.stats = SmtpStats()
        # unknown recipients per client address (port 25); None = no budget
        self.harvest: HarvestGuard | None = None

    # connection counters (called by StreamingSMTP)
    def connection_opened(self, server: SMTP) -> None:
        """One more client."""
        self.stats.connections += 1
        self.stats.connections_total += 1

    def connection_closed(self, server: SMTP) -> None:
        """One client fewer."""
        self.stats.connections = max(0, self.stats.connections - 1)

    async def handle_exception(self, error: Exception) -> str:
        """aiosmtpd's hook for a command that raised: always a temporary failure.

        aiosmtpd's default answers ``500 (OSError) ...``, which makes senders
        bounce mail that a retry would deliver, and logs a traceback each time.
        """
        if exhausted(error):  # descriptors or disk ran out: one log line a minute
            log_exhausted("smtp", error)
            if out_of_descriptors(error):
                return "451 4.3.0 Temporary local problem, try again later"
            return "452 4.3.1 Insufficient system storage, try again later"
        log.exception("smtp command failed")
        return "451 4.3.0 Internal error, try again later"

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """Advertise PIPELINING (aiosmtpd answers commands in order, so it is safe).

        Port 25 offers no AUTH mechanism: aiosmtpd would still say a bare
        ``AUTH`` after STARTTLS, which clients read as a broken offer.
        """
        session.host_name = hostname
        kept = [r for r in responses[:-1] if r.rstrip() != "250-AUTH"]
        return [*kept, "250-PIPELINING", "250-ENHANCEDSTATUSCODES", responses[-1]]

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """Any well-formed sender (or the null sender of bounces)."""
        local, _, domain = address.rpartition("@")
        if address != "<>" and (not local or not domain or set("<> \t") & set(address)):
            self.stats.rejected += 1
            return f"553 5.1.7 <{address}>: malformed sender address"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept a local recipient (or, authenticated, any); refuse relay tricks."""
        guard = None if session.authenticated else self.harvest
        if guard is not None and guard.blocked(peer_address(session)):
            self.stats.rejected += 1
            return BLOCKED
        try:
            addr, boxes = route_recipient(
                address,
                self.users,
                authenticated=bool(session.authenticated),
                default_domain=self.default_domain,
            )
        except Refused as refused:
            self.stats.rejected += 1
            if guard is not None and refused.status.startswith(UNKNOWN_USER[:9]):
                guard.miss(peer_address(session))
            log.info("rcpt refused from %s: %s", peer_address(session), refused.status)
            return refused.status
        routing = envelope.routing
        if boxes is None:
            if addr not in routing.remote:
                routing.remote.append(addr)
        else:
            routing.local[addr] = boxes
        envelope.rcpt_tos.append(addr)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    def received_header(self, server: SMTP, session: Session, envelope: SpooledEnvelope) -> bytes:
        """The ``Received:`` trace line written at the top of the spool file."""
        envelope.queue_id = secrets.token_hex(6)
        helo = session.host_name or "unknown"
        ip = peer_address(session)
        proto = "ESMTP" if session.extended_smtp else "SMTP"
        if session.ssl is not None:
            proto += "S"
        if session.authenticated:
            proto += "A"
        rcpts = envelope.rcpt_tos
        target = f"\r\n\tfor <{rcpts[0]}>" if len(rcpts) == 1 else ""
        return (
            f"Received: from {helo} ([{ip}])\r\n\tby {self.hostname} (pmemail) with "
            f"{proto} id {envelope.queue_id}{target};\r\n"
            f"\t{email.utils.formatdate(localtime=True)}\r\n"
        ).encode("utf-8", "replace")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SpooledEnvelope) -> str:
        """Check the message, then deliver / queue every copy durably before 250."""
        spool = envelope.spool_path
        assert spool is not None  # set by StreamingSMTP.smtp_DATA before this hook
        refusal = await self.check_message(session, envelope, spool)
        if refusal:
            self.stats.rejected += 1
            return refusal
        routing = envelope.routing
        sender = "" if envelope.mail_from == "<>" else envelope.mail_from or ""
        outbound = ""
        try:
            boxes = routing.mailboxes()
            if boxes:
                await self.delivery.deliver(
                    spool,
                    boxes,
                    headers=f"Return-Path: <{sender}>\r\n".encode() + envelope.extra_headers,
                    folder=envelope.folder,
                    unseen=True,
                )
            if routing.remote:
                outbound = await self.enqueue(spool, sender, routing.remote)
        except (OSError, RuntimeError) as err:
            log.error("delivery failed for %s: %s", envelope.queue_id, err)
            return "451 4.3.0 Local delivery failed; try again later"
        self.stats.accepted += 1
        # the one INFO line of a message (the command trace is aiosmtpd's DEBUG)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "accepted %s from <%s> (%s) for %s, %d bytes%s",
                envelope.queue_id,
                sender,
                peer_address(session),
                ", ".join(envelope.rcpt_tos),
                envelope.body_size,
                f", outbound queue id {outbound}" if outbound else "",
            )
        return f"250 2.0.0 OK: queued as {envelope.queue_id}"

    async def check_message(
        self, session: Session, envelope: SpooledEnvelope, spool: Path
    ) -> str | None:
        """A refusal reply for this message, or None (inbound accepts all)."""
        return None

    async def enqueue(self, spool: Path, sender: str, recipients: list[str]) -> str:
        """Hand remote recipients to the outbound queue (submission only); the queue id."""
        raise RuntimeError("no outbound queue on this service")


class SubmissionHandler(BaseHandler):
    """Authenticated submission: anywhere, but only as oneself."""

    authenticated_only = True

    def __init__(
        self,
        users: UserDirectory,
        delivery: LocalDelivery,
        hostname: str,
        default_domain: str,
        throttle: AuthThrottle,
        queue: OutboundQueue | None,
    ) -> None:
        """Like ``BaseHandler``, with the login ``throttle`` and the outbound ``queue``."""
        super().__init__(users, delivery, hostname, default_domain)
        self.throttle = throttle
        self.queue = queue

    async def check_login(self, server: SMTP, login: str, password: str) -> AuthResult:
        """Verify a login behind the (address, user) throttle."""
        assert server.session is not None  # AUTH runs within a connection
        ip = peer_address(server.session)
        try:
            attempt = await self.throttle.acquire(ip, login)
        except Locked as locked:
            return AuthResult(
                success=False,
                handled=False,
                message=f"454 4.7.0 Too many failed logins for this user from "
                f"your address; try again in "
                f"{int(locked.seconds_left) + 1} s",
            )
        with attempt:
            user = await check_password(self.users, login, password)
            if user is None:
                self.stats.auth_failures += 1
                await attempt.failed()
                return AuthResult(success=False, handled=False)
            attempt.succeeded()
        return AuthResult(success=True, auth_data=user)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """The envelope sender must be the user or one of their aliases."""
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        user = _login(session)
        if not address or address == "<>" or not sender_allowed(user, address, self.users):
            self.stats.rejected += 1
            log.warning(
                "spoofed envelope sender <%s> refused for %s (%s)",
                address,
                user,
                peer_address(session),
            )
            return f"553 5.7.1 <{address}>: sender address not owned by user {user}"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Remote recipients need a queue to go to."""
        status = await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        if self.queue is None and envelope.routing.remote:
            envelope.routing.remote.pop()
            envelope.rcpt_tos.pop()
            return "451 4.3.5 Outbound mail is not available on this server right now"
        return status

    async def check_message(
        self, session: Session, envelope: SpooledEnvelope, spool: Path
    ) -> str | None:
        """Every ``From:`` address must belong to the user too."""
        user = _login(session)
        senders = await asyncio.to_thread(from_addresses, spool)
        if not senders:
            return "550 5.7.1 The message has no From: header"
        for addr in senders:
            if not sender_allowed(user, addr, self.users):
                log.warning(
                    "spoofed From: <%s> refused for %s (%s)", addr, user, peer_address(session)
                )
                return f"550 5.7.1 From: <{addr}> is not an address of user {user}"
        return None

    async def enqueue(self, spool: Path, sender: str, recipients: list[str]) -> str:
        """Queue durably for the relay; the queue id."""
        assert self.queue is not None
        queue_id = await self.queue.enqueue(spool, sender, recipients)
        self.stats.queued += 1
        return queue_id


def peer_address(session: Session) -> str:
    peer: object = session.peer  # aiosmtpd says str; asyncio gives (host, port)
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


def _login(session: Session) -> str:
    """The address of the user this session authenticated as."""
    user: object = session.auth_data  # what check_login put in its AuthResult
    assert isinstance(user, User)
    return user.address


def from_addresses(spool: Path) -> list[str]:
    """The addresses in the ``From:`` header(s) of a spooled message."""
    with open(spool, "rb") as f:
        head = f.read(_HEADER_SCAN)
    end = head.find(b"\r\n\r\n")
    header = BytesHeaderParser().parsebytes(head[: end + 4] if end >= 0 else head)
    values = header.get_all("From") or []
    return [addr for _, addr in email.utils.getaddresses([str(v) for v in values]) if addr]
