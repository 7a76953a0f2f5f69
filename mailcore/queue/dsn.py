"""Delivery status notifications (RFC 3464) in a multipart/report (RFC 6522).

A DSN is sent with the null reverse-path ``<>`` so that it is never bounced
itself (RFC 5321 §6.1). Its three parts: a human explanation, the
machine-readable ``message/delivery-status`` and the original message's
headers (``text/rfc822-headers``), never the body: drawings can be big.
"""

from __future__ import annotations

import email.utils
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Action = Literal["failed", "delayed"]
_MAX_HEADERS = 64 * 1024
_STATUS_RE = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True)
class RecipientReport:
    """One recipient line of a DSN."""

    address: str
    diagnostic: str  # "550 5.1.1 no such user" or a network error text
    code: int = 0  # SMTP reply code, 0 when there was none
    remote: str = ""  # host that answered


def status_code(report: RecipientReport, action: Action) -> str:
    """The RFC 3463 status: the enhanced code in the reply if any, else a generic one."""
    reply = report.diagnostic.split(" ", 1)[1] if report.code else ""
    match = _STATUS_RE.match(reply)
    if match:
        return match.group(0)
    if action == "delayed":
        return "4.4.1" if not report.code else "4.0.0"
    return "5.0.0" if report.code >= 500 else "4.4.7"  # 4.4.7 = delivery time expired


def original_headers(message: Path) -> str:
    """The header block of the queued message (bounded, as text)."""
    out: list[bytes] = []
    size = 0
    with message.open("rb") as f:
        for line in f:
            if line in (b"\r\n", b"\n") or size > _MAX_HEADERS:
                break
            out.append(line.rstrip(b"\r\n"))
            size += len(line)
    return "\n".join(b.decode("utf-8", "replace") for b in out) + "\n"


def build_dsn(
    *,
    action: Action,
    sender: str,
    reporting_mta: str,
    queue_id: str,
    arrival: float,
    reports: list[RecipientReport],
    message: Path,
    retry_until: float | None = None,
) -> bytes:
    """A complete DSN message addressed to ``sender`` (LF line ends)."""
    boundary = f"=_pmemail_{secrets.token_hex(12)}"
    now = time.time()
    subject = (
        "Undelivered Mail Returned to Sender"
        if action == "failed"
        else "Delayed Mail (still being retried)"
    )
    human = _explanation(action, reports, retry_until)
    per_message = [
        f"Reporting-MTA: dns; {reporting_mta}",
        f"X-Pmemail-Queue-ID: {queue_id}",
        f"Arrival-Date: {email.utils.formatdate(arrival)}",
    ]
    blocks = ["\n".join(per_message)]
    for rep in reports:
        lines = [
            f"Final-Recipient: rfc822; {rep.address}",
            f"Action: {action}",
            f"Status: {status_code(rep, action)}",
        ]
        if rep.remote:
            lines.append(f"Remote-MTA: dns; {rep.remote}")
        if rep.code:
            lines.append(f"Diagnostic-Code: smtp; {_one_line(rep.diagnostic)}")
        else:
            lines.append(f"Diagnostic-Code: X-pmemail; {_one_line(rep.diagnostic)}")
        lines.append(f"Last-Attempt-Date: {email.utils.formatdate(now)}")
        if retry_until is not None:
            lines.append(f"Will-Retry-Until: {email.utils.formatdate(retry_until)}")
        blocks.append("\n".join(lines))
    headers = [
        f"From: Mail Delivery System <MAILER-DAEMON@{reporting_mta}>",
        f"To: <{sender}>",
        f"Subject: {subject}",
        f"Date: {email.utils.formatdate(now, localtime=True)}",
        f"Message-ID: {email.utils.make_msgid('dsn', domain=reporting_mta)}",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
    ]
    parts = [
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + human,
        "Content-Type: message/delivery-status\n\n" + "\n\n".join(blocks) + "\n",
        "Content-Type: text/rfc822-headers\n\n" + original_headers(message),
    ]
    body = "".join(f"--{boundary}\n{p}\n" for p in parts) + f"--{boundary}--\n"
    return ("\n".join(headers) + "\n\n" + body).encode("utf-8")


def _explanation(action: Action, reports: list[RecipientReport], retry_until: float | None) -> str:
    if action == "failed":
        intro = (
            "This is the mail system at pmemail. Your message could not be delivered "
            "to the following recipients. It has been given up:\n"
        )
    else:
        until = email.utils.formatdate(retry_until, localtime=True) if retry_until else "later"
        intro = (
            "This is the mail system at pmemail. Your message has not been delivered "
            f"yet to the following recipients. It will be retried until {until}; "
            "you do not need to send it again.\n"
        )
    lines = [f"  <{r.address}>: {_one_line(r.diagnostic)}" for r in reports]
    return intro + "\n" + "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
