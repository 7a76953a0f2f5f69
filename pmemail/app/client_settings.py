"""What each member of staff types into Thunderbird, Outlook or a phone.

Pure data from the config (no UI): the wizard's summary shows it, and it can
be exported as a text file to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmemail.app.cert_wording import render, settings_fingerprint
from pmemail.app.sheet_texts import TEXTS as SHEET_TEXTS
from pmemail.config import Config
from pmemail.config.https import webmail_url


@dataclass(frozen=True)
class ClientSettings:
    """The settings of one mailbox."""

    address: str
    protocol: str  # imap | pop3
    incoming_host: str
    incoming_port: int
    incoming_security: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    webmail_url: str
    fingerprint: str = ""  # the self-signed certificate's SHA-256 ("" = a trusted one)

    def as_text(self, language: str = "en") -> str:
        """A printable block for staff, in ``language`` (en or fr)."""
        incoming = "IMAP" if self.protocol == "imap" else "POP3"
        lines = [
            f"{self.address}",
            render(
                SHEET_TEXTS,
                "sheet.incoming",
                language,
                protocol=incoming,
                host=self.incoming_host,
                port=self.incoming_port,
                security=self.incoming_security,
                address=self.address,
            ),
            render(
                SHEET_TEXTS,
                "sheet.outgoing",
                language,
                host=self.smtp_host,
                port=self.smtp_port,
                security=self.smtp_security,
                address=self.address,
            ),
            render(SHEET_TEXTS, "sheet.webmail", language, url=self.webmail_url),
        ]
        if self.fingerprint:  # staff accept the warning only for this exact certificate
            lines.append(settings_fingerprint(self.fingerprint, language))
        return "\n".join(lines)


def settings_for(
    config: Config, address: str, protocol: str, fingerprint: str = ""
) -> ClientSettings:
    """The client settings for one user, using the router's external ports.

    Args:
        fingerprint: the served certificate's SHA-256 when it is self-signed.
    """
    host = config.mail.hostname
    ports = config.ports
    incoming = ports.imap if protocol == "imap" else ports.pop3
    security = "STARTTLS" if protocol == "imap" else "STARTTLS (STLS)"
    return ClientSettings(
        address,
        protocol,
        host,
        incoming.external,
        security,
        host,
        ports.submission.external,
        "STARTTLS",
        webmail_url(config),  # https:// unless HTTPS is turned off
        fingerprint,
    )
