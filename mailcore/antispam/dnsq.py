"""DNS answers as the sender checks need them: TXT strings and addresses.

One ``TempFail`` for every temporary fault (timeout, SERVFAIL, no server),
so the checks can fail open; "no such name" and "no such record" are plain
empty answers. Blocking (dnspython): callers run them in a thread.
"""

from __future__ import annotations

import dns.exception
import dns.name
import dns.resolver


class TempFail(Exception):
    """The DNS did not answer (timeout, SERVFAIL, unreachable server)."""


def _name(text: str) -> dns.name.Name | None:
    """``text`` as a DNS name; None when it cannot be one (a hostile header's domain)."""
    try:
        return dns.name.from_text(text)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return None


def txt(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """The TXT records of ``name``, each one string (its parts joined); [] if none.

    Raises:
        TempFail: the question got no usable answer.
    """
    qname = _name(name)
    if qname is None:
        return []  # no such name can exist: nothing to ask
    try:
        answer = resolver.resolve(qname, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError, ValueError) as err:
        raise TempFail(f"{name}: {type(err).__name__}") from None
    return [b"".join(rr.strings).decode("utf-8", "replace") for rr in answer]


def addresses(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """The IPv4 addresses of ``name``; [] if none.

    Raises:
        TempFail: the question got no usable answer.
    """
    qname = _name(name)
    if qname is None:
        return []
    try:
        answer = resolver.resolve(qname, "A")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.DNSException, OSError, ValueError) as err:
        raise TempFail(f"{name}: {type(err).__name__}") from None
    return [rr.address for rr in answer]
