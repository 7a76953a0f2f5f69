"""What a message list shows of a message: sender, subject and date, decoded.

IMAP sends headers raw; a list view (the webmail) wants them decoded and safe
to display. Only the header block is parsed, never the body: the caller reads
it from the message file (see ``mailcore.webmail.mailview``).
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from dataclasses import dataclass
from email.parser import HeaderParser
from email.policy import compat32, default

_PARSER = HeaderParser(policy=compat32)
_FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass(frozen=True)
class MessageHead:
    """The list-relevant headers of one message, decoded and cleaned for display."""

    sender: str
    sender_address: str
    subject: str
    date: str  # "YYYY-MM-DD HH:MM" in the sender's zone, or the raw start when unparsable
    multipart_mixed: bool  # likely has attachments


def clean(value: str) -> str:
    """A header value made safe to show: no control characters, bounded."""
    return "".join(c if c.isprintable() else " " for c in value)[:300]


def decode_words(raw: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (as is when they are bad)."""
    if "=?" not in raw:
        return raw
    try:
        if not raw.isascii():  # raw UTF-8 mixed with encoded words: the full parser
            return str(default.header_factory("subject", raw))
        return str(email.header.make_header(email.header.decode_header(raw)))
    except (
        email.errors.HeaderParseError,
        LookupError,
        UnicodeError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
    ):
        return raw


def parse_head(block: bytes) -> MessageHead:
    """The ``MessageHead`` of a message's header block.

    The block is parsed with the light compat32 parser (a search reads thousands
    of these; the default policy's header objects cost ~5x more): raw UTF-8 is
    decoded first (RFC 6532), encoded words afterwards, and the address is taken
    from the raw From so an encoded comma in the name cannot split it.
    """
    msg = _PARSER.parsestr(block.decode("utf-8", "replace"))

    def raw(name: str) -> str:
        return _FOLD.sub("", str(msg.get(name, "")))

    name, address = email.utils.parseaddr(raw("from"))
    date = clean(raw("date"))
    try:
        when = email.utils.parsedate_to_datetime(date)
        # in the server's (the office's) time zone, not the sender's
        shown = (when.astimezone() if when.tzinfo else when).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError, IndexError):
        shown = date[:16]
    ctype = raw("content-type").strip().lower()
    return MessageHead(
        clean(decode_words(name)) or clean(address),
        clean(address),
        clean(decode_words(raw("subject")).strip()) or "(no subject)",
        shown,
        ctype.startswith("multipart/mixed"),
    )
