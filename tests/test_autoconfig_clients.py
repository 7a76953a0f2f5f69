"""Client autoconfiguration served by the webmail: Thunderbird XML and Outlook autodiscover."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mailcore.webmail.autoconfig import (
    AUTODISCOVER_NS,
    AUTODISCOVER_REQUEST_NS,
    OUTLOOK_NS,
    AutodiscoverError,
    parse_autodiscover_request,
)
from netcore.dns_records import records_to_publish
from tests.config_factory import make_config
from tests.webmail_support import ALICE, BOB, WEBMAIL, client, running_stack

pytestmark = pytest.mark.timeout(60)

# What Thunderbird's parser (comm-central mailnews/base/content/accountcreation/
# readFromXML.sys.mjs) accepts: these element names and these socketType words.
STRANGER = "someone@elsewhere.example"
SOCKET_TYPES = {"plain", "SSL", "STARTTLS"}
AUTH_WORDS = {"password-cleartext", "plain", "password-encrypted", "secure", "OAuth2"}


def _check_server(el: ET.Element, kind: str, port: int) -> None:
    assert el.get("type") == kind
    assert el.findtext("hostname") == "localhost"
    assert el.findtext("port") == str(port)
    assert el.findtext("socketType") in SOCKET_TYPES
    assert el.findtext("socketType") == "STARTTLS"
    assert el.findtext("authentication") in AUTH_WORDS
    assert el.findtext("authentication") == "password-cleartext"
    assert el.findtext("username") == "%EMAILADDRESS%"


async def test_thunderbird_both_urls(tmp_path: Path) -> None:
    """Both the .well-known and the ?emailaddress= URLs give the Thunderbird document
    (both protocols when no user is named: an address is the next test's)."""
    async with running_stack(tmp_path) as stack, client() as http:
        for path in (
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            f"/mail/config-v1.1.xml?emailaddress={STRANGER}",
        ):
            async with http.get(stack.url + path) as r:
                assert r.status == 200, path
                assert r.content_type == "application/xml"
                root = ET.fromstring(await r.read())
            assert root.tag == "clientConfig" and root.get("version") == "1.1"
            provider = root.find("emailProvider")
            assert provider is not None and provider.get("id") == "example.be"
            assert provider.findtext("domain") == "example.be"
            assert provider.findtext("displayName")
            incoming = provider.findall("incomingServer")
            assert [s.get("type") for s in incoming] == ["imap", "pop3"]
            _check_server(incoming[0], "imap", 143)
            _check_server(incoming[1], "pop3", 110)
            outgoing = provider.findall("outgoingServer")
            assert len(outgoing) == 1
            _check_server(outgoing[0], "smtp", 1234)


async def test_each_user_gets_only_their_protocol(tmp_path: Path) -> None:
    """An IMAP user is offered IMAP only, a POP3 user POP3 only (Thunderbird and Outlook):
    a client offered the other one fails with "this account uses IMAP"."""
    async with running_stack(tmp_path) as stack, client() as http:
        stack.users.set_protocol(ALICE, "pop3")
        for user, kind in ((ALICE, "pop3"), (BOB, "imap")):
            async with http.get(f"{stack.url}/mail/config-v1.1.xml?emailaddress={user}") as r:
                root = ET.fromstring(await r.read())
            assert [s.get("type") for s in root.iter("incomingServer")] == [kind], user
            assert [s.get("type") for s in root.iter("outgoingServer")] == ["smtp"]
            async with http.post(
                stack.url + "/autodiscover/autodiscover.xml",
                data=_request(user.upper()),
                headers={"Content-Type": "text/xml"},
            ) as r:
                text = await r.text()
            types = re.findall(r"<Type>(\w+)</Type>", text)
            assert types == [kind.upper(), "SMTP"], (user, types)


def _request(address: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="'
        f'{AUTODISCOVER_REQUEST_NS}"><Request><EMailAddress>{address}</EMailAddress>'
        f"<AcceptableResponseSchema>{OUTLOOK_NS}</AcceptableResponseSchema>"
        f"</Request></Autodiscover>"
    ).encode()


async def test_outlook_autodiscover(tmp_path: Path) -> None:
    """POST autodiscover.xml: IMAP, POP3 and SMTP with STARTTLS ("TLS") and the address
    (an address that is no user here: both protocols)."""
    async with running_stack(tmp_path) as stack, client() as http:
        async with http.post(
            stack.url + "/autodiscover/autodiscover.xml",
            data=_request(STRANGER),
            headers={"Content-Type": "text/xml"},
        ) as r:
            assert r.status == 200
            root = ET.fromstring(await r.read())
        assert root.tag == f"{{{AUTODISCOVER_NS}}}Autodiscover"
        ns = {"o": OUTLOOK_NS}
        account = root.find("o:Response/o:Account", ns)
        assert account is not None
        assert account.findtext("o:AccountType", namespaces=ns) == "email"
        assert account.findtext("o:Action", namespaces=ns) == "settings"
        found = {}
        for proto in account.findall("o:Protocol", ns):
            kind = proto.findtext("o:Type", namespaces=ns)
            found[kind] = proto
            assert proto.findtext("o:Server", namespaces=ns) == "localhost"
            assert proto.findtext("o:LoginName", namespaces=ns) == STRANGER
            assert proto.findtext("o:Encryption", namespaces=ns) == "TLS"
            assert proto.findtext("o:SPA", namespaces=ns) == "off"
            assert proto.findtext("o:AuthRequired", namespaces=ns) == "on"
        assert {k: p.findtext("o:Port", namespaces=ns) for k, p in found.items()} == {
            "IMAP": "143",
            "POP3": "110",
            "SMTP": "1234",
        }
        async with http.post(stack.url + "/autodiscover/autodiscover.xml", data=b"<not xml") as r:
            assert r.status == 400


def test_autodiscover_refuses_entities() -> None:
    """A DTD (billion laughs, external entities) is refused before parsing."""
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<Autodiscover><Request><EMailAddress>&a;@x.be</EMailAddress></Request>"
        b"</Autodiscover>"
    )
    with pytest.raises(AutodiscoverError):
        parse_autodiscover_request(evil)


def test_dns_advice_names_the_autoconfig_hosts(tmp_path: Path) -> None:
    """The records the doctor advises include the names these clients look up."""
    config = make_config(tmp_path, WEBMAIL).config
    names = {
        (r.name, r.rtype)
        for r in records_to_publish(config.mail.domain, "mail.example.be", "203.0.113.2")
    }
    assert ("autoconfig.example.be", "CNAME") in names
    assert ("autodiscover.example.be", "CNAME") in names
