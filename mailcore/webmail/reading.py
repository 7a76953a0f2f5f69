"""Turning a stored message into what the reading page shows (headers, body, attachments).

Only the structure is scanned (``mailcore.mime``); the text shown is read from its
own part, bounded, and HTML goes through ``sanitize``. Attachments are listed
with links; their bytes are streamed by the download handler.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from mailcore.mime import Part, read_text, scan
from mailcore.webmail.dates import header_date
from mailcore.webmail.html_text import html_to_text
from mailcore.webmail.sanitize import sanitize_html
from mailcore.webmail.wording import say

MAX_TEXT = 2 * 1024 * 1024  # larger bodies are cut (the full text stays downloadable)


@dataclass
class Reading:
    """A message ready for the template."""

    subject: str
    sender: str
    sender_address: str
    to: str
    cc: str
    date: str
    message_id: str
    references: str
    reply_to: str
    text: str = ""  # plain text (escaped by the template)
    html: str = ""  # sanitized HTML (marked safe by the template)
    blocked_images: int = 0
    truncated: bool = False
    attachments: list[Part] = field(default_factory=list)


def read_message(
    path: Path, folder: str, uid: int, *, allow_remote_images: bool, prefer_text: bool = False
) -> Reading:
    """The reading view of the message file at ``path``."""
    root = scan(path)
    sender_name, sender_addr = email.utils.parseaddr(root.header_text("from"))
    reading = Reading(
        subject=root.header_text("subject") or "(no subject)",
        sender=sender_name or sender_addr,
        sender_address=sender_addr,
        to=root.header_text("to"),
        cc=root.header_text("cc"),
        date=root.header_text("date"),
        message_id=root.header_text("message-id"),
        references=root.header_text("references"),
        reply_to=root.header_text("reply-to"),
    )
    parts = root.parts
    texts = [p for p in parts if not p.is_attachment]
    plain = next((p for p in texts if p.content_type == "text/plain"), None)
    html = next((p for p in texts if p.content_type == "text/html"), None)
    cids = {p.content_id: p for p in parts if p.content_id}
    reading.attachments = [p for p in parts if p.is_attachment]
    with open(path, "rb") as f:
        if html is not None and not (prefer_text and plain is not None):
            source, reading.truncated = read_text(f, html, MAX_TEXT)

            def cid_url(cid: str) -> str | None:
                part = cids.get(cid)
                if part is None or not part.content_type.startswith("image/"):
                    return None
                return part_url(folder, uid, part.number, inline=True)

            reading.html, reading.blocked_images = sanitize_html(
                source, allow_remote_images=allow_remote_images, cid_url=cid_url
            )
        elif plain is not None:
            reading.text, reading.truncated = read_text(f, plain, MAX_TEXT)
    # Inline images shown in the HTML are still offered as downloads.
    return reading


def decoded_size(part: Part) -> int:
    """About how many bytes ``part`` has once decoded (what the reader downloads).

    Base64 is 3 bytes per 4 characters, line breaks not counted (the part's
    offsets in the CRLF form give 2 bytes a break); quoted-printable and the
    rest are shown as stored, which is near enough for text.
    """
    if part.encoding != "base64":
        return part.size
    return max(0, part.end - part.body - 2 * part.lines) * 3 // 4


def part_url(folder: str, uid: int, number: int, *, inline: bool = False) -> str:
    """The download URL of part ``number`` of message ``uid``."""
    query = {"f": folder, "uid": uid, "n": number}
    if inline:
        query["inline"] = 1
    return "/part?" + urlencode(query)


def quote_for_reply(reading: Reading, language: str = "en") -> str:
    """The original text quoted with ``>`` for a reply, under "On <date>, <sender> wrote:"."""
    text = reading.text
    if not text and reading.html:
        text = html_to_text(reading.html)
    lines = text.replace("\r\n", "\n").split("\n")
    shown, _ = header_date(reading.date, language)
    head = say(language, "quote_head", date=shown, sender=reading.sender or reading.sender_address)
    return "\n\n" + head + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines[:2000])
