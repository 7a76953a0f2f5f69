"""Helpers for the port 25 antispam tests: a zone of SPF/DKIM/DMARC records, signed mail.

The "internet" is a client on 127.0.0.2 (Linux routes all of 127.0.0.0/8 to
loopback): pmemail trusts only 127.0.0.1 and ::1 as this machine, so the
checks apply to it as to any remote MTA.
"""

from __future__ import annotations

import base64
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailcore.delivery import maildir_path
from mailcore.status import AntispamStatus
from tests.config_factory import make_config
from tests.smtp_support import SMTP, MailServer
from tests.tiny_dns import Zone

OUTSIDE = "127.0.0.2"  # the remote MTA's address
SELECTOR = "s1"


def dkim_key() -> tuple[bytes, str]:
    """A fresh RSA key: (PEM private key for dkimpy, the TXT record of its public half)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def txt(value: str) -> str:
    """``value`` as zone text: quoted strings of at most 255 characters."""
    return " ".join(f'"{value[i : i + 200]}"' for i in range(0, len(value), 200))


def message(sender: str, to: str = "alice@example.be", body: str = "Hello Alice.\n") -> bytes:
    """A plain message from ``sender`` with CRLF line ends."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Quarterly figures"
    msg["Message-ID"] = "<test-1@sender>"
    msg.set_content(body)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def signed(data: bytes, domain: str, pem: bytes) -> bytes:
    """``data`` with a DKIM-Signature of ``domain`` (selector ``SELECTOR``)."""
    sig = dkim.sign(
        data, SELECTOR.encode(), domain.encode(), pem, include_headers=[b"from", b"to", b"subject"]
    )
    return bytes(sig) + data


def antispam_server(root: Path, resolver: str, **antispam: Any) -> MailServer:
    """A running SMTP server with the sender checks on, asking ``resolver``."""
    settings: dict[str, Any] = {"sender_auth": True, "dnsbl": [], "rspamd_url": ""}
    settings.update(antispam)
    config = make_config(
        root,
        SMTP,
        {"network": {"resolver": resolver, "dns_timeout": 0.5}, "antispam": settings},
    ).config
    return MailServer(root, config).start()


def send(
    server: MailServer,
    mail_from: str,
    data: bytes,
    *,
    to: str = "alice@example.be",
    source: str = OUTSIDE,
) -> tuple[int, bytes]:
    """Send ``data`` from ``source`` to port 25; the (code, text) of the DATA reply
    (or of the first refused command)."""
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), source_address=(source, 0)) as client:
        code, text = client.ehlo("mta.sender.net")
        if code != 250:
            return code, text
        code, text = client.mail(mail_from)
        if code != 250:
            return code, text
        code, text = client.rcpt(to)
        if code != 250:
            return code, text
        try:
            code, text = client.data(data)
        except smtplib.SMTPDataError as err:
            reply = err.smtp_error
            return err.smtp_code, reply.encode() if isinstance(reply, str) else reply
        return code, text


def antispam_status(server: MailServer) -> AntispamStatus:
    """The ``antispam`` object of the MX listener's status."""
    status = server.services[0].status()
    found = status.get("antispam")
    assert server.services[0].name == "smtp" and isinstance(found, dict)
    return cast(AntispamStatus, found)


def folder(server: MailServer, address: str, name: str = "") -> list[bytes]:
    """The messages in ``new/`` of a folder ("" = INBOX)."""
    new = maildir_path(server.paths, address, name) / "new"
    return [p.read_bytes() for p in sorted(new.iterdir())] if new.exists() else []


def zone_for(records: dict[str, str], addresses: dict[str, str] | None = None) -> Zone:
    """TinyDns zone: ``name -> TXT value`` and ``name -> A address``."""
    zone: Zone = {(f"{n}.", "TXT"): [txt(v)] for n, v in records.items()}
    for name, addr in (addresses or {}).items():
        zone[(f"{name}.", "A")] = [addr]
    return zone
