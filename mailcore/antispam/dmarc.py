"""DMARC (RFC 7489): the From: domain's policy, alignment, organisational domains.

The organisational domain comes from the Public Suffix List shipped inside
the ``publicsuffixlist`` package (offline: no download at run time), so
``mail.shop.example.co.uk`` and ``example.co.uk`` are one organisation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import dns.resolver
from publicsuffixlist import PublicSuffixList

from mailcore.antispam import dnsq


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # parses the bundled list once (~50 ms)


def org_domain(domain: str) -> str:
    """The organisational domain of ``domain`` (itself when it is one, or unknown)."""
    domain = domain.lower().rstrip(".")
    return _psl().privatesuffix(domain) or domain


def aligned(a: str, b: str, *, strict: bool = False) -> bool:
    """Whether two domains are aligned (strict: equal; relaxed: same organisation)."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    return a == b if strict else org_domain(a) == org_domain(b)


@dataclass(frozen=True)
class Policy:
    """A published DMARC record, as it applies to one From: domain."""

    policy: str  # none, quarantine, reject
    strict_spf: bool
    strict_dkim: bool


def _tags(record: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in record.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags


def _record(resolver: dns.resolver.Resolver, domain: str) -> dict[str, str] | None:
    found = [r for r in dnsq.txt(resolver, f"_dmarc.{domain}") if r.lower().startswith("v=dmarc1")]
    return _tags(found[0]) if len(found) == 1 else None  # several records: none (RFC 7489 6.6.3)


def find_policy(resolver: dns.resolver.Resolver, from_domain: str) -> Policy | None:
    """The DMARC policy for ``from_domain`` (its own record, else its organisation's).

    Raises:
        dnsq.TempFail: the DNS did not answer.
    """
    tags = _record(resolver, from_domain)
    subdomain = False
    if tags is None:
        org = org_domain(from_domain)
        if org == from_domain:
            return None
        tags, subdomain = _record(resolver, org), True
        if tags is None:
            return None
    policy = tags.get("p", "").lower()
    if subdomain and tags.get("sp", "").lower() in ("none", "quarantine", "reject"):
        policy = tags["sp"].lower()
    if policy not in ("none", "quarantine", "reject"):
        policy = "none"  # an unreadable p= is treated as monitoring only
    return Policy(policy, tags.get("aspf", "r").lower() == "s", tags.get("adkim", "r") == "s")
