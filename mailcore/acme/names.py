"""Which names the certificate should cover, and which of them point at this office.

``candidate_names`` reads the config only. ``NameFilter`` asks the DNS (dnspython,
``network.resolver`` / ``network.dns_timeout``) and keeps a name only when its
A records meet the host name's: asking a CA for a name that points elsewhere
fails the whole order and spends the CA's failed-validation budget.
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

import dns.exception
import dns.resolver

from mailcore.acme.failures import NO_PUBLIC_NAME, AcmeFailure
from mailcore.dns_resolver import make_resolver
from pmemail.config.model import Config

log = logging.getLogger("pmemail.acme")

CLIENT_PREFIXES = ("autoconfig.", "autodiscover.", "mta-sts.")
"""The names mail clients and MTA-STS look up under each mail domain."""

# Names no public CA can ever validate: RFC 2606 / 6761 (example, invalid,
# localhost, test), RFC 6762 (local), RFC 8375 (home.arpa), ICANN's internal,
# and the private suffixes routers hand out.
_SPECIAL_SUFFIXES = (
    "example",
    "invalid",
    "localhost",
    "test",
    "local",
    "home.arpa",
    "internal",
    "localdomain",
    "lan",
)
# RFC 2606's example domains, and example.be: pmemail's own default domain.
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example.be")


def candidate_names(config: Config) -> list[str]:
    """The names an ACME certificate should cover, before asking the DNS.

    The host name first, then ``acme.extra_names``, then (with
    ``acme.client_names``) autoconfig., autodiscover. and mta-sts. of
    ``mail.domain`` and each of ``mail.extra_domains``; lower-case, no
    trailing dot, each once.
    """
    names = [config.mail.hostname, *config.acme.extra_names]
    if config.acme.client_names:
        for domain in [config.mail.domain, *config.mail.extra_domains]:
            names += [prefix + _clean(domain) for prefix in CLIENT_PREFIXES]
    out: list[str] = []
    for name in map(_clean, names):
        if name and name not in out:
            out.append(name)
    return out


def is_placeholder(name: str) -> bool:
    """True for a name no public CA can validate: no dot, an address, a reserved name."""
    name = _clean(name)
    if "." not in name:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if any(name == s or name.endswith("." + s) for s in _SPECIAL_SUFFIXES):
        return True
    return any(name == d or name.endswith("." + d) for d in _EXAMPLE_DOMAINS)


def uses_public_ca(config: Config) -> bool:
    """True when the directory is Let's Encrypt's (``acme.directory`` empty or theirs).

    A private CA named in ``acme.directory`` (Pebble in the tests and the lab,
    a company's own CA) may issue for names the public ones refuse.
    """
    host = urlsplit(config.acme.directory).hostname or ""
    return not config.acme.directory or host.endswith("letsencrypt.org")


def check_hostname(config: Config) -> None:
    """Refuse at once a host name a public CA would refuse (no request is sent).

    Raises:
        AcmeFailure: ``NO_PUBLIC_NAME`` for a placeholder name with a public CA.
    """
    hostname = _clean(config.mail.hostname)
    if not hostname or (uses_public_ca(config) and is_placeholder(hostname)):
        raise AcmeFailure(NO_PUBLIC_NAME, name=hostname)


class NameFilter:
    """Keeps the candidate names whose DNS points where the host name's does.

    The host name itself is always kept. A name whose lookup fails (no
    address, timeout) is dropped, and said once in the log, not at every check.
    """

    def __init__(self, config: Config) -> None:
        """Read ``network.resolver`` and ``network.dns_timeout`` once."""
        self._config = config
        self._resolver = make_resolver(config.network.resolver, config.network.dns_timeout)
        self._said: dict[str, str] = {}

    def addresses(self, name: str) -> list[str] | None:
        """The IPv4 addresses of ``name``; [] when the DNS says it has none,
        None when the lookup itself failed (timeout, SERVFAIL, no DNS server)."""
        try:
            answer = self._resolver.resolve(_clean(name), "A")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.DNSException, OSError, ValueError):
            return None
        return sorted({rr.address for rr in answer})

    def pointing_names(self, names: list[str]) -> list[str]:
        """The names (host name first) an order may ask for now. Blocking: DNS queries.

        Raises:
            AcmeFailure: ``NO_PUBLIC_NAME`` when the host name is a placeholder
                (public CA) or the DNS says it has no address at all.
        """
        check_hostname(self._config)
        hostname = _clean(self._config.mail.hostname)
        home = self.addresses(hostname)
        if home == []:
            raise AcmeFailure(NO_PUBLIC_NAME, name=hostname)
        kept = [hostname]
        for name in names:
            if name == hostname:
                continue
            if home is None:  # nothing to compare with: not even asked
                self._drop(name, "hostname_lookup_failed")
                continue
            found = self.addresses(name)
            if found is None:
                self._drop(name, "lookup_failed")
            elif not set(found) & set(home):
                self._drop(name, "elsewhere " + ",".join(found or ["none"]))
            else:
                self._said.pop(name, None)
                kept.append(name)
        return kept

    def _drop(self, name: str, why: str) -> None:
        if self._said.get(name) != why:
            self._said[name] = why
            log.info("acme: name left out name=%s reason=%s", name, why)


def _clean(name: str) -> str:
    return name.strip().lower().rstrip(".")
