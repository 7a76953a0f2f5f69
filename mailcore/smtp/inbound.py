"""Port 25: the MX handler, with the ``[antispam]`` checks of mail from outside.

Clients from this machine (127.0.0.1, ::1) and from the office's networks
are trusted like Postfix's ``mynetworks``: no blocklist, no sender check.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Container
from pathlib import Path

from aiosmtpd.smtp import SMTP, Session

from mailcore.antispam.inbound import InboundFilter
from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.local_peer import is_local_peer
from mailcore.smtp.handlers import BaseHandler, from_addresses, peer_address
from mailcore.smtp.session import SpooledEnvelope
from mailcore.status import AntispamStatus

log = logging.getLogger("pmemail.smtp")


class InboundHandler(BaseHandler):
    """Port 25: mail from the internet for local users only; no AUTH.

    With a ``checks`` (``[antispam]``), clients from outside (neither this
    machine nor ``office``) are checked: the DNS blocklists from the
    connection on (the answer is awaited at HELO/EHLO and MAIL, aiosmtpd's
    greeting having no hook), then each message at DATA.
    """

    def __init__(
        self,
        users: UserDirectory,
        delivery: LocalDelivery,
        hostname: str,
        default_domain: str,
        *,
        checks: InboundFilter | None = None,
        office: Container[str] = (),
    ) -> None:
        """Like ``BaseHandler``; ``checks`` checks mail from outside ``office``."""
        super().__init__(users, delivery, hostname, default_domain)
        self.checks = checks
        self.office = office
        self._blocklisted: weakref.WeakKeyDictionary[SMTP, asyncio.Task[str | None]] = (
            weakref.WeakKeyDictionary()
        )

    def antispam_status(self) -> AntispamStatus:
        """The verdict counters (``filtering`` "off" without checks)."""
        if self.checks is None:
            return {"filtering": "off", "engine": "", "checked": 0, "refused": {}, "junk": {}}
        return self.checks.status()

    def outside(self, session: Session) -> bool:
        """Whether the client is neither this machine nor one of the office's addresses."""
        ip = peer_address(session)
        return not is_local_peer(ip) and ip not in self.office

    def connection_opened(self, server: SMTP) -> None:
        """Count, and start the blocklist lookup while the client reads the greeting."""
        super().connection_opened(server)
        session = server.session
        if self.checks is not None and session is not None and self.outside(session):
            task = asyncio.get_running_loop().create_task(
                self.checks.blocklisted(peer_address(session))
            )
            self._blocklisted[server] = task

    async def _listed(self, server: SMTP) -> str | None:
        task = self._blocklisted.get(server)
        if task is None:
            return None
        refusal = await task
        if refusal is not None:
            self.stats.rejected += 1
        return refusal

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: SpooledEnvelope, hostname: str
    ) -> str:
        """HELO, unless the client is blocklisted."""
        refusal = await self._listed(server)
        if refusal is not None:
            return refusal
        session.host_name = hostname
        return f"250 {self.hostname}"

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """EHLO, unless the client is blocklisted."""
        refusal = await self._listed(server)
        if refusal is not None:
            return [refusal]
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """MAIL, unless the client is blocklisted (it may ignore the answer to EHLO)."""
        refusal = await self._listed(server)
        if refusal is not None:
            return refusal
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: SpooledEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """A local recipient, unless greylisting defers this first attempt."""
        before, options = len(envelope.rcpt_tos), len(envelope.rcpt_options)
        status = await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        if self.checks is None or len(envelope.rcpt_tos) == before or not self.outside(session):
            return status
        addr = envelope.rcpt_tos[-1]
        sender = "" if envelope.mail_from == "<>" else envelope.mail_from or ""
        deferral = self.checks.greylisted(peer_address(session), sender, addr)
        if deferral is None:
            return status
        envelope.rcpt_tos.pop()
        del envelope.rcpt_options[options:]
        if addr not in envelope.rcpt_tos:
            envelope.routing.local.pop(addr, None)
        return deferral

    async def check_message(
        self, session: Session, envelope: SpooledEnvelope, spool: Path
    ) -> str | None:
        """The ``[antispam]`` verdict for mail from outside; None = deliver."""
        if self.checks is None or not self.outside(session):
            return None
        senders = await asyncio.to_thread(from_addresses, spool)
        verdict = await self.checks.check(
            ip=peer_address(session),
            helo=session.host_name or "",
            mail_from="" if envelope.mail_from == "<>" else envelope.mail_from or "",
            from_addresses=senders,
            spool=spool,
        )
        if verdict.refusal is not None:
            log.info("refused from %s: %s", peer_address(session), verdict.refusal)
            return verdict.refusal
        envelope.extra_headers = verdict.headers
        envelope.folder = verdict.folder
        return None
