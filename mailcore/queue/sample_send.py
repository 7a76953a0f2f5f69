"""A real test message through the configured relay (the wizard's "test send").

Blocking (smtplib): call it from a worker thread.
"""

from __future__ import annotations

import email.utils
import tempfile
from email.message import EmailMessage
from pathlib import Path

from mailcore.dkim.keys import DkimKeyError
from mailcore.dkim.signer import DkimSigner, SignError
from mailcore.queue.relay import Outcome, RelayClient
from pmemail.config.model import Config
from pmemail.fsutil import make_private_dir

SUBJECT = "pmemail test message"
# The message in the admin's language (``config.language``): it is read by a person.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": SUBJECT,
        "body": "This message was sent by pmemail on {host} to check that outgoing\n"
        "mail leaves the office (relay: {relay}).\n",
        "direct": "direct to the MX",
    },
    "fr": {
        "subject": "Message de test de pmemail",
        "body": "Ce message a été envoyé par pmemail depuis {host} pour vérifier que le\n"
        "courrier sortant quitte bien le bureau (relais : {relay}).\n",
        "direct": "directement vers le MX du destinataire",
    },
}


def sample_message(config: Config, sender: str, recipient: str) -> bytes:
    """A short, valid message saying where it came from, in the config's language."""
    words = WORDS.get(config.language, WORDS["en"])
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = words["subject"]
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=config.mail.hostname)
    relay = config.relay.host or words["direct"]
    msg.set_content(words["body"].format(host=config.mail.hostname, relay=relay))
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def send_test_message(
    config: Config, spool: Path, recipient: str, signer: DkimSigner | None = None
) -> Outcome:
    """Send one test message from postmaster@domain to ``recipient``; the relay's answer.

    With ``signer`` it carries the DKIM signature queued mail carries, so the
    recipient's "show original" tells whether the published key works.
    """
    sender = f"postmaster@{config.mail.domain}"
    make_private_dir(spool)
    with tempfile.NamedTemporaryFile(dir=spool, prefix="test-send-", suffix=".eml") as f:
        f.write(sample_message(config, sender, recipient))
        f.flush()
        prefix = b""
        if signer is not None:
            try:
                prefix = signer.signature(Path(f.name))
            except (SignError, DkimKeyError, OSError):
                prefix = b""  # the test message still goes: it tests the relay first
        client = RelayClient.from_config(config)
        outcomes = client.send(Path(f.name), sender, [recipient], prefix)
    return outcomes[recipient]
