"""The DNS records an office must publish for its own mail server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DnsRecord:
    """One record to publish (or, for PTR, to request from the ISP)."""

    name: str
    rtype: str
    value: str
    why: str
    at_isp: bool = False  # PTR lives in the ISP's reverse zone: ask them

    def zone_line(self) -> str:
        """The record in zone-file syntax, with who publishes it."""
        where = "   ; ask your ISP" if self.at_isp else ""
        return f"{self.name}. IN {self.rtype} {self.value}{where}"


def spf_value(public_ip: str) -> str:
    """An SPF policy allowing the MX and the office's address."""
    return f'"v=spf1 mx ip4:{public_ip} ~all"'


def records_to_publish(domain: str, hostname: str, public_ip: str) -> list[DnsRecord]:
    """MX, A, SPF, PTR and the client autoconfiguration names for ``domain``."""
    return [
        DnsRecord(domain, "MX", f"10 {hostname}.", "mail for the domain goes to this server"),
        DnsRecord(hostname, "A", public_ip, "the server's name points at the office"),
        DnsRecord(domain, "TXT", spf_value(public_ip), "SPF: receivers trust mail from here"),
        DnsRecord(
            _reverse_name(public_ip),
            "PTR",
            f"{hostname}.",
            "reverse DNS: many receivers refuse mail without it",
            at_isp=True,
        ),
        DnsRecord(
            f"autoconfig.{domain}", "CNAME", f"{hostname}.", "Thunderbird finds the settings"
        ),
        DnsRecord(f"autodiscover.{domain}", "CNAME", f"{hostname}.", "Outlook finds the settings"),
    ]


def _reverse_name(ip: str) -> str:
    parts = ip.split(".")
    if len(parts) != 4:
        return f"(reverse of {ip})"
    return ".".join(reversed(parts)) + ".in-addr.arpa"
