"""SMTP clients that run INSIDE lab-wan (via ``Lab.run_python``) for the serve lab test.

198.51.100.10 plays both a hotel guest's laptop (submission on 1234) and a
remote MX (port 25); both reach the office only through the router's
public address.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any


def _message(sender: str, rcpt: str, msg_id: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, rcpt, subject
    msg["Message-ID"] = msg_id
    msg.set_content("Sent from the lab's internet.\n")
    return msg


def submit(
    host: str, port: int, source: str, cafile: str, user: str, password: str, rcpt: str, msg_id: str
) -> dict[str, Any]:
    """Submission from a hotel: STARTTLS (certificate checked), AUTH, send."""
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False  # the server is reached by IP; the key is still pinned
    with smtplib.SMTP(host, port, source_address=(source, 0), timeout=20) as client:
        client.ehlo("laptop.hotel.example")
        auth_before_tls = client.has_extn("auth")
        client.starttls(context=context)
        client.ehlo("laptop.hotel.example")
        client.login(user, password)
        refused = client.send_message(_message(user, rcpt, msg_id, "from the hotel"))
    return {"auth_before_tls": auth_before_tls, "refused": refused}


def mx_deliver(host: str, port: int, source: str, rcpt: str, msg_id: str) -> dict[str, Any]:
    """A remote MX delivering on 25 (no AUTH)."""
    with smtplib.SMTP(host, port, source_address=(source, 0), timeout=20) as client:
        client.ehlo("mx.remote.example")
        refused = client.send_message(
            _message("partner@remote.example", rcpt, msg_id, "from a partner")
        )
    return {"refused": refused}
