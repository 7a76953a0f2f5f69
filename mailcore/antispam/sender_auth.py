"""Who really sent this mail: SPF (pyspf), DKIM (dkimpy) and DMARC, through our resolver.

Both libraries are the reference Python implementations (Debian ships them:
python3-spf, python3-dkim). dkimpy takes a ``dnsfunc``; pyspf looks its
answers up through the module function ``spf.DNSLookup``, which its own test
suite replaces the same way: here it reads the resolver from a context
variable set by the checking thread, so each check uses the configured
server (``network.resolver``), never the system's.

Everything here blocks (DNS, hashing): ``check_sender`` runs in a thread.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass, field
from typing import Any

import dkim
import dns.exception
import dns.resolver
import spf

from mailcore.antispam import dnsq
from mailcore.antispam.dmarc import Policy, aligned, find_policy

log = logging.getLogger("pmemail.antispam")
_RESOLVER: contextvars.ContextVar[dns.resolver.Resolver] = contextvars.ContextVar("spf_resolver")
_MAX_SIGNATURES = 5  # a message with 50 signatures must not cost 50 key lookups


def _spf_lookup(name: str, qtype: str, tcpfallback: bool = True, timeout: float = 30) -> list[Any]:
    """pyspf's ``DNSLookup`` contract: ``[((name, qtype), value), ...]``."""
    resolver = _RESOLVER.get(None)
    if resolver is None:
        raise spf.TempError("DNS no resolver configured for this check")
    try:
        answer = resolver.resolve(name, qtype)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError, ValueError) as err:
        raise spf.TempError(f"DNS {type(err).__name__}") from None
    out: list[Any] = []
    for rdata in answer:
        if qtype in ("A", "AAAA"):
            out.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            out.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            out.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            out.append(((name, qtype), rdata.strings))
    return out


spf.DNSLookup = _spf_lookup


@dataclass
class SenderAuth:
    """The results of one message's checks, as written in Authentication-Results."""

    spf: str = "none"  # pass fail softfail neutral none temperror permerror
    spf_domain: str = ""  # the MAIL FROM domain (or the HELO name for bounces)
    dkim: list[tuple[str, str]] = field(default_factory=list)  # (d=, result)
    dmarc: str = "none"  # pass fail none temperror
    policy: Policy | None = None
    from_domain: str = ""

    @property
    def temporary(self) -> bool:
        """A DNS fault left a result unknown (such mail is never refused for it)."""
        return "temperror" in (self.spf, self.dmarc, *(r for _, r in self.dkim))

    def uncertain_for(self, domain: str) -> bool:
        """Whether a DNS fault hid the SPF or DKIM result that could vouch for ``domain``.

        Only faults about that domain count: a signature of some other domain
        whose key lookup times out (a sender can arrange that) proves nothing.
        """
        if self.spf == "temperror" and aligned(self.spf_domain, domain):
            return True
        return any(r == "temperror" and aligned(d, domain) for d, r in self.dkim)

    def passes_for(self, domain: str) -> bool:
        """Whether SPF or a DKIM signature vouches for ``domain`` (relaxed alignment)."""
        if self.spf == "pass" and aligned(self.spf_domain, domain):
            return True
        return any(r == "pass" and aligned(d, domain) for d, r in self.dkim)

    def header(self, authserv_id: str) -> bytes:
        """The ``Authentication-Results:`` field (RFC 8601), CRLF-terminated."""
        spf_part = f"spf={self.spf}"
        if self.spf_domain:
            spf_part += f" smtp.mailfrom={self.spf_domain}"
        dkim_parts = [f"dkim={r} header.d={d}" for d, r in self.dkim] or ["dkim=none"]
        dmarc_part = f"dmarc={self.dmarc}"
        if self.from_domain:
            dmarc_part += f" header.from={self.from_domain}"
        body = ";\r\n\t".join([spf_part, *dkim_parts, dmarc_part])
        return f"Authentication-Results: {authserv_id};\r\n\t{body}\r\n".encode("ascii", "replace")


def check_spf(resolver: dns.resolver.Resolver, ip: str, mail_from: str, helo: str) -> str:
    """The SPF result for ``ip`` sending as ``mail_from`` (RFC 7208; HELO for bounces)."""
    sender = mail_from or f"postmaster@{helo}"
    token = _RESOLVER.set(resolver)
    try:
        result, _explanation = spf.check2(i=ip, s=sender, h=helo, querytime=0)
    except Exception as err:  # a library fault on hostile input: no verdict, no traceback
        log.warning("spf check failed for %s: %s", sender, err)
        return "permerror"
    finally:
        _RESOLVER.reset(token)
    return str(result).lower()


def check_dkim(resolver: dns.resolver.Resolver, message: bytes) -> list[tuple[str, str]]:
    """``(d=, result)`` for each of the first DKIM signatures of ``message``."""

    def key_txt(name: bytes, timeout: float = 5) -> bytes | None:
        try:
            found = dnsq.txt(resolver, name.decode("ascii", "replace"))
        except dnsq.TempFail as err:
            raise dkim.DnsTimeoutError(str(err)) from None
        return found[0].encode() if found else None

    try:
        signer = dkim.DKIM(message, minkey=1024)
    except Exception:  # unparseable headers: nothing to verify
        return []
    count = sum(1 for name, _ in signer.headers if name.lower() == b"dkim-signature")
    results = []
    for idx in range(min(count, _MAX_SIGNATURES)):
        signer.domain = None
        try:
            result = "pass" if signer.verify(idx, dnsfunc=key_txt) else "fail"
        except dkim.DnsTimeoutError:
            result = "temperror"
        except Exception:  # DKIMException and library faults on hostile input
            result = "permerror"
        domain = signer.domain.decode("ascii", "replace") if signer.domain else ""
        results.append((domain.lower(), result))
    return results


def check_dmarc(resolver: dns.resolver.Resolver, auth: SenderAuth) -> None:
    """Fill ``auth.dmarc`` and ``auth.policy`` from the From: domain's record."""
    if not auth.from_domain:
        return
    try:
        policy = find_policy(resolver, auth.from_domain)
    except dnsq.TempFail:
        auth.dmarc = "temperror"
        return
    auth.policy = policy
    if policy is None:
        return
    spf_ok = auth.spf == "pass" and aligned(
        auth.spf_domain, auth.from_domain, strict=policy.strict_spf
    )
    dkim_ok = any(
        r == "pass" and aligned(d, auth.from_domain, strict=policy.strict_dkim)
        for d, r in auth.dkim
    )
    if spf_ok or dkim_ok:
        auth.dmarc = "pass"
    elif auth.uncertain_for(auth.from_domain):
        auth.dmarc = "temperror"  # a lost DNS answer may have been the pass
    else:
        auth.dmarc = "fail"


def check_sender(
    resolver: dns.resolver.Resolver,
    *,
    ip: str,
    helo: str,
    mail_from: str,
    from_domain: str,
    message: bytes | None,
) -> SenderAuth:
    """SPF, DKIM (unless ``message`` is None: too large) and DMARC of one message."""
    domain = mail_from.rpartition("@")[2].lower() if mail_from else helo.lower()
    auth = SenderAuth(spf_domain=domain, from_domain=from_domain.lower())
    auth.spf = check_spf(resolver, ip, mail_from, helo)
    if message is not None:
        auth.dkim = check_dkim(resolver, message)
    check_dmarc(resolver, auth)
    return auth
