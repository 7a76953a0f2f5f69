"""The DNS records an office must publish for its own mail server: the one generator.

The wizard's domain step, ``pmemail dns records`` and the doctor all list
records from here. ``why`` is an id (``pmemail.app.dns_texts`` words it in
English and French): the core builds no sentences.

SPF follows the path mail really takes (:class:`MailAuth`): through the
ISP's relay, receivers see the relay's address, so the record names the
relay (the ISP's own SPF include when its profile knows it, else
``a:<relay host>``); directly, they see the office's public address.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmemail.config.mail_policy import mta_sts_id, report_address, uses_smarthost
from pmemail.config.model import Config

TXT_PIECE = 255  # the longest string one TXT record holds: longer values are split


@dataclass(frozen=True)
class DnsRecord:
    """One record to publish (or, for PTR, to request from the ISP).

    Attributes:
        name: owner name, without the final dot.
        rtype: MX, A, TXT, PTR, CNAME.
        value: the record data in zone-file syntax (TXT quoted, split at 255).
        why: what the record is for, as an id (``mx``, ``spf``, ``dkim``, ...).
        at_isp: PTR lives in the ISP's reverse zone: ask them.
        text: for TXT, the value unquoted (what a lookup returns).
    """

    name: str
    rtype: str
    value: str
    why: str
    at_isp: bool = False
    text: str = ""

    def zone_line(self, isp_note: str = "ask your ISP") -> str:
        """The record in zone-file syntax, with who publishes it.

        Args:
            isp_note: the comment of a record the ISP publishes, in the reader's
                language (``pmemail.app.dns_publish.zone_text`` gives it).
        """
        where = f"   ; {isp_note}" if self.at_isp else ""
        return f"{self.name}. IN {self.rtype} {self.value}{where}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "type": self.rtype,
            "value": self.value,
            "text": self.text,
            "why": self.why,
            "at_isp": self.at_isp,
            "zone_line": self.zone_line(),
        }


@dataclass(frozen=True)
class MailAuth:
    """What the mail-authentication records of a domain say.

    Attributes:
        relay_host: the smarthost mail leaves through ("" = directly to the MX).
        spf_include: the ISP's SPF domain for its relay (profile's ``isp.spf_include``).
        dkim: (selector, TXT value) of each DKIM key to publish.
        dmarc_policy: ``none``, ``quarantine`` or ``reject``.
        mta_sts_id: the ``id`` of the ``_mta-sts`` record ("" = no MTA-STS records).
    """

    relay_host: str = ""
    spf_include: str = ""
    dkim: tuple[tuple[str, str], ...] = ()
    dmarc_policy: str = "none"
    mta_sts_id: str = ""


def mail_auth(
    config: Config,
    relay_host: str = "",
    spf_include: str = "",
    dkim: tuple[tuple[str, str], ...] = (),
) -> MailAuth:
    """The records' inputs from ``config``; ``relay_host`` and ``spf_include`` from the
    ISP facts when the config names no relay host (``netcore.isp_facts``)."""
    relay = ""
    if uses_smarthost(config.relay):
        relay = config.relay.host or relay_host
    return MailAuth(
        relay_host=relay,
        spf_include=spf_include if relay else "",
        dkim=dkim,
        dmarc_policy=config.dkim.dmarc_policy,
        mta_sts_id=mta_sts_id(config) if config.dkim.mta_sts_mode != "none" else "",
    )


def spf_text(public_ip: str, auth: MailAuth | None = None) -> str:
    """The SPF policy for the path mail takes (unquoted)."""
    if auth is not None and auth.relay_host:
        relay = f"include:{auth.spf_include}" if auth.spf_include else f"a:{auth.relay_host}"
        return f"v=spf1 mx {relay} ~all"
    return f"v=spf1 mx ip4:{public_ip} ~all"


def spf_value(public_ip: str, auth: MailAuth | None = None) -> str:
    """:func:`spf_text` quoted for a zone file."""
    return quoted(spf_text(public_ip, auth))


def quoted(text: str) -> str:
    """``text`` as TXT zone-file data: quoted strings of at most 255 bytes."""
    pieces = [text[i : i + TXT_PIECE] for i in range(0, len(text), TXT_PIECE)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in pieces)


def _txt(name: str, text: str, why: str) -> DnsRecord:
    return DnsRecord(name, "TXT", quoted(text), why, text=text)


def auth_records(domain: str, hostname: str, public_ip: str, auth: MailAuth) -> list[DnsRecord]:
    """SPF, DKIM, DMARC, MTA-STS and TLS-RPT records of ``domain``."""
    report = f"mailto:{report_address(domain)}"
    records = [_txt(domain, spf_text(public_ip, auth), "spf_relay" if auth.relay_host else "spf")]
    records += [
        _txt(f"{selector}._domainkey.{domain}", value, "dkim") for selector, value in auth.dkim
    ]
    records.append(
        _txt(f"_dmarc.{domain}", f"v=DMARC1; p={auth.dmarc_policy}; rua={report}", "dmarc")
    )
    if auth.mta_sts_id:
        records += [
            DnsRecord(f"mta-sts.{domain}", "CNAME", f"{hostname}.", "mta_sts_host"),
            _txt(f"_mta-sts.{domain}", f"v=STSv1; id={auth.mta_sts_id}", "mta_sts"),
            _txt(f"_smtp._tls.{domain}", f"v=TLSRPTv1; rua={report}", "tls_rpt"),
        ]
    return records


def records_to_publish(
    domain: str, hostname: str, public_ip: str, auth: MailAuth | None = None, main: bool = True
) -> list[DnsRecord]:
    """Every record for ``domain``: MX, then (``main``: the server's own) A, PTR and the
    client autoconfiguration names, then SPF (with ``auth``: DKIM, DMARC, MTA-STS, TLS-RPT).
    """
    records = [DnsRecord(domain, "MX", f"10 {hostname}.", "mx")]
    if main:
        records.append(DnsRecord(hostname, "A", public_ip, "a"))
    if auth is None:
        records.append(_txt(domain, spf_text(public_ip), "spf"))
    else:
        records += auth_records(domain, hostname, public_ip, auth)
    if main:
        records += [
            DnsRecord(_reverse_name(public_ip), "PTR", f"{hostname}.", "ptr", at_isp=True),
            DnsRecord(f"autoconfig.{domain}", "CNAME", f"{hostname}.", "autoconfig"),
            DnsRecord(f"autodiscover.{domain}", "CNAME", f"{hostname}.", "autodiscover"),
        ]
    return records


def _reverse_name(ip: str) -> str:
    parts = ip.split(".")
    if len(parts) != 4:
        return f"(reverse of {ip})"
    return ".".join(reversed(parts)) + ".in-addr.arpa"
