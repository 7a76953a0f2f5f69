"""Automatic mail client set-up: Thunderbird autoconfig and Outlook autodiscover.

Both documents describe the same servers: IMAP (143, STARTTLS) and POP3 (110,
STLS), or only the asking user's own protocol when the address is one of ours,
and SMTP submission (1234, STARTTLS), logging in with the full address and the
normal password. Ports are the *external* ones of the port plan, since
clients use them from outside the office. The DNS names clients look these up
under (``autoconfig.<domain>``, ``autodiscover.<domain>``) are published as
advised by ``netcore.dns_records``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pmemail.config.model import Config

AUTODISCOVER_REQUEST_NS = (
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
)
AUTODISCOVER_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MAX_REQUEST = 64 * 1024


class AutodiscoverError(ValueError):
    """A request that is not an Outlook autodiscover request."""


@dataclass(frozen=True)
class ClientServer:
    """One server a client should use."""

    kind: str  # "imap", "pop3" or "smtp"
    hostname: str
    port: int
    socket_type: str = "STARTTLS"  # Thunderbird's words: plain, SSL, STARTTLS


def client_servers(config: Config, only: str | None = None) -> list[ClientServer]:
    """The enabled incoming servers, then SMTP submission.

    Args:
        only: the protocol of the user asking ("imap" or "pop3"): just that one
            is offered, since a user's mailbox is read one way only (a POP3 offer
            to an IMAP user ends in "this account uses IMAP"). None (no address,
            or not a user here): every enabled one, IMAP first.
    """
    host, plan = config.mail.hostname, config.ports
    incoming = [
        ClientServer(kind, host, mapping.external)
        for kind, mapping in (("imap", plan.imap), ("pop3", plan.pop3))
        if mapping.enabled
    ]
    theirs = [s for s in incoming if s.kind == only]
    return [*(theirs or incoming), ClientServer("smtp", host, plan.submission.external)]


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = text
    return el


def thunderbird_xml(config: Config, only: str | None = None) -> bytes:
    """The ``config-v1.1.xml`` document (username is ``%EMAILADDRESS%``)."""
    domain = config.mail.domain
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    for d in [domain, *config.mail.extra_domains]:
        _text(provider, "domain", d)
    _text(provider, "displayName", f"{domain} mail")
    _text(provider, "displayShortName", domain)
    for server in client_servers(config, only):
        tag = "outgoingServer" if server.kind == "smtp" else "incomingServer"
        el = ET.SubElement(provider, tag, type=server.kind)
        _text(el, "hostname", server.hostname)
        _text(el, "port", str(server.port))
        _text(el, "socketType", server.socket_type)
        _text(el, "authentication", "password-cleartext")
        _text(el, "username", "%EMAILADDRESS%")
    text = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


def parse_autodiscover_request(body: bytes) -> str:
    """The e-mail address asked about in an Outlook autodiscover POST.

    Raises:
        AutodiscoverError: too large, a DTD (entity tricks), not XML, or no address.
    """
    if len(body) > MAX_REQUEST:
        raise AutodiscoverError("request too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise AutodiscoverError("DTDs are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise AutodiscoverError(f"not XML: {err}") from None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "EMailAddress" and el.text and "@" in el.text:
            return el.text.strip()
    raise AutodiscoverError("no EMailAddress in the request")


_OUTLOOK_TYPES = {"imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}


def autodiscover_xml(config: Config, address: str, only: str | None = None) -> bytes:
    """The POX autodiscover response for ``address`` (Outlook's "TLS" = STARTTLS).

    Written as text rather than with ElementTree so the Outlook namespace is the
    default one on ``Response`` (as Exchange writes it), not an ``ns1:`` prefix.
    """
    login = escape(address)
    protocols = []
    for server in client_servers(config, only):
        extra = (
            "<UsePOPAuth>off</UsePOPAuth><SMTPLast>off</SMTPLast>" if server.kind == "smtp" else ""
        )
        protocols.append(
            f"<Protocol><Type>{_OUTLOOK_TYPES[server.kind]}</Type>"
            f"<Server>{escape(server.hostname)}</Server><Port>{server.port}</Port>"
            f"<DomainRequired>off</DomainRequired><LoginName>{login}</LoginName>"
            f"<SPA>off</SPA><SSL>on</SSL><Encryption>TLS</Encryption>"
            f"<AuthRequired>on</AuthRequired>{extra}</Protocol>"
        )
    doc = (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{AUTODISCOVER_NS}"><Response xmlns="{OUTLOOK_NS}">'
        f"<Account><AccountType>email</AccountType><Action>settings</Action>"
        f"{''.join(protocols)}</Account></Response></Autodiscover>\n"
    )
    return doc.encode("utf-8")
