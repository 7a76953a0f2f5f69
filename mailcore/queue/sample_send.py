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


def sample_message(config: Config, sender: str, recipient: str) -> bytes:
    """A short, valid message saying where it came from."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = SUBJECT
    msg["Date"] = email.utils.formatdate(localtime=True)
    msg["Message-ID"] = email.utils.make_msgid(domain=config.mail.hostname)
    msg.set_content(
        f"This message was sent by pmemail on {config.mail.hostname} to check that outgoing\n"
        f"mail leaves the office (relay: {config.relay.host or 'direct to the MX'}).\n"
    )
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
