"""The verdict on mail arriving from the internet (port 25): refuse, Junk, or Inbox.

``InboundFilter`` runs the checks of ``antispam`` in order, the cheapest
first: attachments, sender authentication (SPF/DKIM/DMARC and the office's
own domains), then the spam engine. Each temporary fault (DNS timeout,
engine down) lets the mail through and is logged once, until the check
works again: a refusal must always be the sender's fault, never ours.

The refused and Junk counters by reason are the facts the dashboard shows.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dns.resolver

from mailcore.antispam import dnsq
from mailcore.antispam.attachments import blocked_attachment
from mailcore.antispam.dnsbl import Unusable, listed_by
from mailcore.antispam.greylist import Greylist
from mailcore.antispam.headers import strip_forged_results
from mailcore.antispam.rspamd import EngineDown, Rspamd
from mailcore.antispam.sender_auth import SenderAuth, check_sender
from mailcore.dns_resolver import make_resolver
from mailcore.status import AntispamStatus
from pmemail.config.guards import AntispamConfig
from pmemail.config.model import Config

log = logging.getLogger("pmemail.antispam")
JUNK = "Junk"  # the Maildir++ folder mailcore.mailstore marks \Junk


def _shown(text: str, limit: int = 80) -> str:
    """Sender-chosen text fit for an SMTP reply line: printable ASCII, short (no CR/LF)."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if c.isprintable() else "?" for c in ascii_text)[:limit]


@dataclass
class Verdict:
    """What to do with one message: ``refusal`` (an SMTP reply) or deliver with
    ``headers`` prepended, into ``folder`` ("" = INBOX)."""

    refusal: str | None = None
    headers: bytes = b""
    folder: str = ""


@dataclass
class FaultLog:
    """Says a failing check once, and once again when it works again."""

    failing: set[str] = field(default_factory=set)

    def failed(self, check: str, detail: str) -> None:
        """``check`` failed (temporary): logged only on the first failure in a row."""
        if check not in self.failing:
            self.failing.add(check)
            log.warning("antispam: %s unavailable (%s); mail passes unchecked", check, detail)

    def worked(self, check: str) -> None:
        """``check`` answered again."""
        if check in self.failing:
            self.failing.discard(check)
            log.info("antispam: %s available again", check)


class InboundFilter:
    """The checks of ``[antispam]`` for one server; shared by its port 25 sessions."""

    def __init__(
        self,
        config: AntispamConfig,
        resolver: dns.resolver.Resolver,
        hostname: str,
        own_domains: Iterable[str],
        dnsbl_resolver: dns.resolver.Resolver | None = None,
    ) -> None:
        """Args:
        config: the ``[antispam]`` table.
        resolver: ``network.resolver`` (``mailcore.dns_resolver.make_resolver``).
        dnsbl_resolver: the same server with ``dnsbl_timeout`` (default: ``resolver``).
        hostname: ``mail.hostname``, the authserv-id of our Authentication-Results.
        own_domains: ``mail.domain`` and ``mail.extra_domains``.
        """
        self.config = config
        self.resolver = resolver
        self.dnsbl_resolver = dnsbl_resolver or resolver
        self.hostname = hostname
        self.own = {d.lower().rstrip(".") for d in own_domains if d}
        self.engine = (
            Rspamd(config.rspamd_url, config.rspamd_timeout) if config.rspamd_url else None
        )
        self.greylist = (
            Greylist(config.greylist_delay, config.greylist_keep, config.greylist_whitelist)
            if config.greylisting
            else None
        )
        self.faults = FaultLog()
        self.refused: collections.Counter[str] = collections.Counter()
        self.junk: collections.Counter[str] = collections.Counter()
        self.checked = 0

    def refuse(self, reason: str, reply: str) -> Verdict:
        """Count a refusal by ``reason`` and return it."""
        self.refused[reason] += 1
        return Verdict(refusal=reply)

    async def blocklisted(self, ip: str) -> str | None:
        """The refusal for a client ``ip`` on a DNS blocklist, or None (also on faults)."""
        if not self.config.dnsbl:
            return None
        try:
            zone = await asyncio.to_thread(listed_by, self.dnsbl_resolver, ip, self.config.dnsbl)
        except (dnsq.TempFail, Unusable) as err:
            self.faults.failed("DNS blocklist", str(err))
            return None
        self.faults.worked("DNS blocklist")
        if zone is None:
            return None
        self.refused["dnsbl"] += 1
        log.info("antispam: client %s listed by %s", ip, zone)
        return f"554 5.7.1 Your address {ip} is listed by {zone}; see that list's site for removal"

    def greylisted(self, ip: str, sender: str, recipient: str) -> str | None:
        """The 451 deferring a first attempt (greylisting on), or None to accept."""
        if self.greylist is None:
            return None
        wait = self.greylist.defer(ip, sender, recipient)
        if wait is None:
            return None
        self.refused["greylist"] += 1
        return f"451 4.7.1 Greylisted: please try again in {max(1, round(wait))} seconds"

    async def check(
        self, *, ip: str, helo: str, mail_from: str, from_addresses: list[str], spool: Path
    ) -> Verdict:
        """The verdict on the spooled message; may rewrite the spool (forged headers)."""
        self.checked += 1
        cfg = self.config
        size = spool.stat().st_size
        if cfg.blocked_extensions:
            name = await asyncio.to_thread(blocked_attachment, spool, cfg.blocked_extensions)
            if name is not None:
                return self.refuse(
                    "attachment",
                    f"550 5.7.1 Attachment '{_shown(name)}' refused: this type of file can "
                    "carry a virus; send it as a link or a zip of documents",
                )
        # a header "Authentication-Results: <our name>" from outside would be believed
        await asyncio.to_thread(strip_forged_results, spool, self.hostname)
        verdict = Verdict()
        if cfg.sender_auth:
            from_domain = from_addresses[0].rpartition("@")[2] if from_addresses else ""
            message = spool.read_bytes() if size <= cfg.max_scan_size else None
            auth = await asyncio.to_thread(
                check_sender,
                self.resolver,
                ip=ip,
                helo=helo,
                mail_from=mail_from,
                from_domain=from_domain,
                message=message,
            )
            del message
            if auth.temporary:
                self.faults.failed("DNS (SPF/DKIM/DMARC)", f"no answer for {auth.spf_domain}")
            else:
                self.faults.worked("DNS (SPF/DKIM/DMARC)")
            refusal = self._sender_refusal(auth, mail_from, from_addresses)
            if refusal is not None:
                return refusal
            verdict.headers += auth.header(self.hostname)
            if auth.dmarc == "fail" and auth.policy and auth.policy.policy == "quarantine":
                self.junk["dmarc_quarantine"] += 1
                verdict.folder = JUNK
        if self.engine is not None and size <= cfg.max_scan_size:
            return await self._score(spool, verdict, ip, helo, mail_from)
        return verdict

    def _sender_refusal(
        self, auth: SenderAuth, mail_from: str, from_addresses: list[str]
    ) -> Verdict | None:
        claimed = [a.rpartition("@")[2].lower() for a in [mail_from, *from_addresses] if a]
        for domain in dict.fromkeys(claimed):
            if domain in self.own and not auth.passes_for(domain):
                if auth.uncertain_for(domain):
                    continue  # our own DNS did not answer: never refuse for our fault
                log.warning(
                    "antispam: mail claiming @%s from outside refused (spf=%s)", domain, auth.spf
                )
                return self.refuse(
                    "own_domain",
                    f"550 5.7.1 This server is not allowed to send as @{_shown(domain)}: "
                    "authenticate on the submission port",
                )
        if auth.dmarc == "fail" and auth.policy and auth.policy.policy == "reject":
            return self.refuse(
                "dmarc",
                f"550 5.7.1 Message refused by the DMARC policy of {_shown(auth.from_domain)} "
                "(neither SPF nor DKIM passed for it)",
            )
        return None

    async def _score(
        self, spool: Path, verdict: Verdict, ip: str, helo: str, mail_from: str
    ) -> Verdict:
        assert self.engine is not None
        cfg = self.config
        try:
            score = await self.engine.score(spool, ip=ip, helo=helo, mail_from=mail_from)
        except EngineDown as err:
            self.faults.failed("spam engine (rspamd)", str(err))
            return verdict
        self.faults.worked("spam engine (rspamd)")
        spam = score >= cfg.junk_score
        if score >= cfg.reject_score:
            return self.refuse("spam", f"550 5.7.1 Message refused as spam (score {score:.1f})")
        verdict.headers += (
            f"X-Spam-Score: {score:.1f}\r\n"
            f"X-Spam-Status: {'Yes' if spam else 'No'}, score={score:.1f} "
            f"junk={cfg.junk_score:.1f} reject={cfg.reject_score:.1f}\r\n"
        ).encode()
        if spam:
            self.junk["spam"] += 1
            verdict.folder = JUNK
        return verdict

    def status(self) -> AntispamStatus:
        """Counters for the control socket and the dashboard."""
        engine_up = self.engine is not None and "spam engine (rspamd)" not in self.faults.failing
        return {
            "filtering": "engine" if engine_up else "basic",
            "engine": "rspamd" if self.engine is not None else "",
            "checked": self.checked,
            "refused": dict(self.refused),
            "junk": dict(self.junk),
        }


def build_inbound_filter(config: Config) -> InboundFilter | None:
    """The port 25 checks the config asks for; None when every one is off."""
    spam = config.antispam
    if not (
        spam.sender_auth
        or spam.dnsbl
        or spam.rspamd_url
        or spam.blocked_extensions
        or spam.greylisting
    ):
        return None
    net = config.network
    return InboundFilter(
        spam,
        make_resolver(net.resolver, net.dns_timeout),
        config.mail.hostname,
        [config.mail.domain, *config.mail.extra_domains],
        dnsbl_resolver=make_resolver(net.resolver, spam.dnsbl_timeout),
    )
