"""Where to deliver a domain's mail directly: its MX hosts (RFC 5321 §5.1), else its A record."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import dns.exception
import dns.resolver


class DestinationError(Exception):
    """The domain cannot receive mail; ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class MxResolver:
    """MX lookups through one resolver (``network.resolver``) or the system's."""

    nameserver: str = ""  # empty = /etc/resolv.conf
    port: int = 53
    timeout: float = 3.0

    def _resolver(self) -> dns.resolver.Resolver:
        if not self.nameserver:
            res = dns.resolver.Resolver()
        else:
            res = dns.resolver.Resolver(configure=False)
            res.nameservers = [self.nameserver]
            res.port = self.port
        res.lifetime = self.timeout
        res.timeout = self.timeout
        return res

    def hosts(self, domain: str) -> list[str]:
        """Hosts to try for ``domain``, best preference first.

        Raises:
            DestinationError: no such domain / null MX (permanent) or DNS failure (temporary).
        """
        res = self._resolver()
        try:
            answer = res.resolve(domain, "MX")
        except dns.resolver.NXDOMAIN as err:
            raise DestinationError(f"domain {domain} does not exist", permanent=True) from err
        except dns.resolver.NoAnswer:
            return self._implicit_mx(res, domain)
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as err:
            raise DestinationError(
                f"DNS lookup of {domain} failed: {err}", permanent=False
            ) from err
        records = sorted(
            ((r.preference, str(r.exchange).rstrip(".")) for r in answer), key=lambda pair: pair[0]
        )
        hosts = [h for _, h in records if h]
        if not hosts:  # "MX 0 ." is a null MX: the domain accepts no mail (RFC 7505)
            raise DestinationError(f"domain {domain} accepts no mail (null MX)", permanent=True)
        return hosts

    def addresses(self, host: str) -> list[str]:
        """Where to connect for MX ``host``: its A, then AAAA records, asked of this resolver.

        With the system's resolver, ``[host]`` (its getaddrinfo also reads /etc/hosts):
        a configured ``network.resolver`` must answer for the hosts as for the MX
        records, or mail would go where another DNS says.

        Raises:
            DestinationError: (temporary) the lookup failed or found no address.
        """
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [host]  # an address already
        if not self.nameserver:
            return [host]
        res = self._resolver()
        found: list[str] = []
        failed = ""
        for rtype in ("A", "AAAA"):
            try:
                found += [r.to_text() for r in res.resolve(host, rtype)]
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            except (dns.exception.Timeout, dns.resolver.NoNameservers) as err:
                failed = f"DNS lookup of {host} failed: {err}"
        if not found:
            raise DestinationError(failed or f"mail host {host} has no address", permanent=False)
        return found

    def _implicit_mx(self, res: dns.resolver.Resolver, domain: str) -> list[str]:
        # No MX: the domain itself is the implicit MX when it has an address.
        try:
            res.resolve(domain, "A")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer) as err:
            raise DestinationError(
                f"domain {domain} has no MX and no address", permanent=True
            ) from err
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as err:
            raise DestinationError(
                f"DNS lookup of {domain} failed: {err}", permanent=False
            ) from err
        return [domain]


def parse_nameserver(value: str) -> tuple[str, int]:
    """``network.resolver`` as (address, port): ``1.2.3.4``, ``1.2.3.4:5353`` or ``[::1]:53``."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 53
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, int(port)
    return value, 53
