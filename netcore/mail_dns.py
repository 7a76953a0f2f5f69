"""Does the mail domain's DNS point at this office?

Looks up MX → host name → A, the PTR of the public address and the SPF
record, with dnspython, through ``network.resolver`` when set (tests point
it at a loopback server) and ``network.dns_timeout`` per query.
"""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.resolver
import dns.reversename


def make_resolver(server: str, timeout: float) -> dns.resolver.Resolver:
    """A resolver for ``server`` ("" = the system's, "host" or "host:port").

    Args:
        server: ``network.resolver``.
        timeout: ``network.dns_timeout``: one query's whole lifetime.
    """
    if not server:
        res = dns.resolver.Resolver()
    else:
        res = dns.resolver.Resolver(configure=False)
        host, port = server, 53
        if server.count(":") == 1:  # host:port (an IPv6 address has several colons)
            host, _, p = server.partition(":")
            port = int(p)
        res.nameservers = [str(ipaddress.ip_address(host))]
        res.port = port
    res.timeout = timeout
    res.lifetime = timeout
    return res


@dataclass
class MailDns:
    """What the DNS says about the mail domain.

    Attributes:
        mx: MX targets, best preference first.
        mx_addresses: target → its IPv4 addresses.
        ptr: the reverse name of the public address ("" = none).
        spf: the SPF record of the domain ("" = none).
        errors: lookup → reason when the lookup itself failed (timeout, SERVFAIL).
    """

    mx: list[str] = field(default_factory=list)
    mx_addresses: dict[str, list[str]] = field(default_factory=dict)
    ptr: str = ""
    spf: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "mx": list(self.mx),
            "mx_addresses": dict(self.mx_addresses),
            "ptr": self.ptr,
            "spf": self.spf,
            "errors": dict(self.errors),
        }


_MISSING = (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer)


def lookup_failure_kind(exc: BaseException) -> str:
    """Why a lookup failed, as a word a front end can phrase in any language.

    ``timeout`` (no answer in time), ``servfail`` (the resolver could not get an
    answer from the domain's servers), ``refused`` (the resolver will not answer
    this machine), ``unreachable`` (nothing answers at the resolver's address),
    else ``other``.
    """
    if isinstance(exc, dns.exception.Timeout):
        return "timeout"
    if isinstance(exc, dns.resolver.NoNameservers):
        # dnspython lists (server, tcp, port, rcode text or exception, answer) per try
        said = [e[3] for e in exc.kwargs.get("errors", []) if len(e) > 3]
        if "SERVFAIL" in said:
            return "servfail"
        if "REFUSED" in said:
            return "refused"
        if any(isinstance(e, OSError) for e in said):
            return "unreachable"
    return "other"


def _failure(exc: Exception) -> str:
    if isinstance(exc, dns.exception.Timeout):
        return "the DNS server did not answer in time"
    if isinstance(exc, dns.resolver.NoNameservers):
        return "no DNS server could answer (SERVFAIL or refused)"
    return str(exc) or type(exc).__name__


def reverse_name(res: dns.resolver.Resolver, address: str) -> str:
    """The PTR name of ``address`` ("" when there is none).

    Raises:
        dns.exception.DNSException: the lookup failed (not "no such name").
    """
    try:
        answer = res.resolve(dns.reversename.from_address(address), "PTR")
    except _MISSING:
        return ""
    return str(answer[0].target).rstrip(".")


def addresses_of(res: dns.resolver.Resolver, host: str) -> list[str]:
    """The IPv4 addresses (A records) of ``host``, sorted; [] when it has none.

    Raises:
        dns.exception.DNSException: the lookup failed (not "no such name").
    """
    try:
        return sorted(str(r) for r in res.resolve(host, "A"))
    except _MISSING:
        return []


def _mx(res: dns.resolver.Resolver, domain: str, out: MailDns) -> None:
    try:
        answer = res.resolve(domain, "MX")
        rows = sorted(answer, key=lambda r: r.preference)
        out.mx = [str(r.exchange).rstrip(".") for r in rows]
    except _MISSING:
        pass
    except dns.exception.DNSException as exc:
        out.errors["mx"] = _failure(exc)
    for host in out.mx:
        try:
            out.mx_addresses[host] = sorted(str(r) for r in res.resolve(host, "A"))
        except _MISSING:
            out.mx_addresses[host] = []
        except dns.exception.DNSException as exc:
            out.errors[f"a:{host}"] = _failure(exc)


def _spf(res: dns.resolver.Resolver, domain: str, out: MailDns) -> None:
    try:
        for r in res.resolve(domain, "TXT"):
            text = b"".join(r.strings).decode(errors="replace")
            if text.lower().startswith("v=spf1"):
                out.spf = text
                break
    except _MISSING:
        pass
    except dns.exception.DNSException as exc:
        out.errors["spf"] = _failure(exc)


def _ptr(res: dns.resolver.Resolver, public_ip: str, out: MailDns) -> None:
    try:
        out.ptr = reverse_name(res, public_ip)
    except dns.exception.DNSException as exc:
        out.errors["ptr"] = _failure(exc)


def look_up(res: dns.resolver.Resolver, domain: str, public_ip: str) -> MailDns:
    """Query MX (then the MX hosts' A), SPF and, with ``public_ip``, PTR.

    The three chains run in parallel, so a silent server costs at most two
    query timeouts (MX, then A), not one per record.
    """
    out = MailDns()
    jobs = [(_mx, domain), (_spf, domain)] + ([(_ptr, public_ip)] if public_ip else [])
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for fut in [pool.submit(fn, res, arg, out) for fn, arg in jobs]:
            fut.result()  # each job keeps its own errors in out.errors
    return out


def spf_allows(spf: str, address: str, mx_addresses: list[str]) -> bool:
    """True if the SPF record names ``address`` (ip4:/ip6:, or mx pointing at it).

    Includes and redirects are not followed: this says "listed here", which
    is what the admin controls.
    """
    for term in spf.split()[1:]:
        term = term.lstrip("+").lower()
        if term.startswith(("ip4:", "ip6:")):
            try:
                if ipaddress.ip_address(address) in ipaddress.ip_network(term[4:], strict=False):
                    return True
            except ValueError:
                continue
        elif term == "mx" and address in mx_addresses:
            return True
    return False
