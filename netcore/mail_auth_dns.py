"""Are the published SPF, DKIM, DMARC and MTA-STS records the ones to publish? Is the
office's address on a DNS blocklist?

Lookups go through the resolver the caller gives (``network.resolver``).
Each record to publish (:mod:`netcore.dns_records`) is compared with what
the DNS answers, as an id and facts (:class:`Finding`): the app words them.
What "matches" means is what receivers need, not a byte-exact copy: the SPF
record names the path mail takes, the DKIM key is the office's key, the
DMARC record has a policy, the MTA-STS record has an id.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

import dns.exception
import dns.resolver

from netcore.dns_records import DnsRecord
from netcore.mail_dns import lookup_failure_kind, spf_allows

FindingKind = Literal["ok", "missing", "wrong", "error"]
"""Until ``[antispam] dnsbl`` exists on this branch: the list the doctor asks (one place).
Spamhaus is free for small, non-commercial volumes and refuses queries from large public
resolvers (8.8.8.8, 1.1.1.1): those answer 127.255.255.x, read here as "unknown"."""


@dataclass(frozen=True)
class Finding:
    """One record to publish, compared with what the DNS says.

    Attributes:
        kind: ok, missing, wrong (the record says something else), error (lookup failed).
        record: the record to publish.
        found: what the DNS has ("" when missing).
        error: why the lookup failed (the resolver library's words, for the logs).
        failure: why the lookup failed as a word of
            :func:`netcore.mail_dns.lookup_failure_kind` (``timeout``, ``servfail``...).
    """

    kind: FindingKind
    record: DnsRecord
    found: str = ""
    error: str = ""
    failure: str = ""


def txt_values(res: dns.resolver.Resolver, name: str) -> list[str]:
    """The TXT records at ``name``, each one's strings joined ([] = none).

    Raises:
        dns.exception.DNSException: the lookup itself failed.
    """
    try:
        answer = res.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(r.strings).decode(errors="replace") for r in answer]


def tags(text: str) -> dict[str, str]:
    """``k=v; k=v`` (DKIM, DMARC, MTA-STS, TLS-RPT) as a dict; keys lowercased."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _spf_matches(found: str, expected: str) -> bool:
    terms = {t.lstrip("+").lower() for t in found.split()[1:]}
    wanted = [t.lower() for t in expected.split()[1:] if t.lower() not in ("mx", "~all")]
    for term in wanted:
        if term.startswith("ip4:"):
            if not spf_allows(found, term[4:], []) and "mx" not in terms and "a" not in terms:
                return False
        elif term not in terms:
            return False
    return True


def judge(record: DnsRecord, values: list[str]) -> Finding:
    """Compare one TXT record to publish with the TXT values found at its name."""
    version = record.text.split(";")[0].split()[0].lower()  # v=spf1, v=DKIM1, v=DMARC1, ...
    same = [v for v in values if v.strip().lower().startswith(version)]
    if record.why == "dkim":
        same = same or [v for v in values if "p=" in v]  # v= is optional in a DKIM key
    if not same:
        return Finding("missing", record)
    found = same[0]
    ok = True
    if record.why in ("spf", "spf_relay"):
        ok = _spf_matches(found, record.text)
    elif record.why == "dkim":
        want = "".join(tags(record.text).get("p", "").split())
        ok = "".join(tags(found).get("p", "").split()) == want
    elif record.why == "dmarc":
        ok = tags(found).get("p", "").lower() in ("none", "quarantine", "reject")
    elif record.why == "mta_sts":
        ok = bool(tags(found).get("id"))
    elif record.why == "tls_rpt":
        ok = tags(found).get("rua", "").startswith(("mailto:", "https:"))
    return Finding("ok" if ok else "wrong", record, found)


def check_records(res: dns.resolver.Resolver, records: list[DnsRecord]) -> list[Finding]:
    """Look each TXT record of ``records`` up and judge it."""
    findings = []
    for record in records:
        if record.rtype != "TXT":
            continue
        try:
            values = txt_values(res, record.name)
        except dns.exception.DNSException as exc:
            error = str(exc) or type(exc).__name__
            findings.append(Finding("error", record, error=error, failure=lookup_failure_kind(exc)))
            continue
        findings.append(judge(record, values))
    return findings


DnsblKind = Literal["clean", "listed", "unknown"]


def dnsbl_status(res: dns.resolver.Resolver, address: str, zone: str) -> tuple[DnsblKind, str, str]:
    """Whether ``address`` (IPv4) is on ``zone``: (kind, the list's answer or the error,
    why it is unknown as a word).

    An answer in 127.0.0.0/8 means listed, except 127.255.255.0/24: the list
    refusing the query (an open resolver, too many queries): unknown. The word:
    ``not_ipv4``, ``list_refused``, or a lookup failure of
    :func:`netcore.mail_dns.lookup_failure_kind` ("" unless unknown).
    """
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return "unknown", f"not an IPv4 address: {address}", "not_ipv4"
    name = ".".join(reversed(str(ip).split("."))) + "." + zone.strip(".")
    try:
        answer = res.resolve(name, "A")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return "clean", "", ""
    except dns.exception.DNSException as exc:
        return "unknown", str(exc) or type(exc).__name__, lookup_failure_kind(exc)
    codes = [str(r) for r in answer]
    if all(c.startswith("127.255.255.") for c in codes):
        refused = "the list refused the query (" + ", ".join(codes) + ")"
        return "unknown", refused, "list_refused"
    return "listed", ", ".join(codes), ""
