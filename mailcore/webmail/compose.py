"""Writing a composed message into a spool file, attachments encoded chunk by chunk.

Headers and the text part are built with the standard library (which refuses
line breaks in header values: no header injection); attachments, already
spooled to disk by the upload, are base64-encoded 57 KB at a time so a large
file never sits in memory.
"""

from __future__ import annotations

import binascii
import email.utils
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import BinaryIO

from mailcore.webmail.mailview import now_header_date
from mailcore.webmail.wording import WordedError

_B64_LINE = 57  # bytes per 76-character base64 line
_B64_BLOCK = _B64_LINE * 1024
_COPY = 1 << 16
# Bounds on what surrounds the encoded bytes, for ``encoded_size``: an attachment's
# delimiter and headers (its file name may be long, and is encoded), and the
# message's own headers, text part headers and closing delimiter.
PART_OVERHEAD = 2048
MESSAGE_OVERHEAD = 4096


class ComposeError(WordedError, ValueError):
    """The form cannot become a message (a sentence shown to the user)."""


@dataclass
class Upload:
    """One attachment spooled by the upload handler."""

    path: Path
    filename: str
    content_type: str = ""


@dataclass
class Draft:
    """What the compose form sent."""

    from_addr: str
    from_name: str
    to: str
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""
    in_reply_to: str = ""
    references: str = ""
    attachments: list[Upload] = field(default_factory=list)
    forward: Path | None = None  # a stored message attached as message/rfc822

    def recipients(self) -> list[str]:
        """Every envelope recipient (To, Cc and Bcc), once each."""
        return list(
            dict.fromkeys(
                parse_addresses(self.to) + parse_addresses(self.cc) + parse_addresses(self.bcc)
            )
        )


_ADDR_RE = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+$")


def parse_addresses(field_value: str) -> list[str]:
    """Bare addresses from a To/Cc/Bcc field ("Ann <a@x>, b@y").

    Raises:
        ComposeError: for a line break or anything that is not an address.
    """
    if "\r" in field_value or "\n" in field_value:
        raise ComposeError("addresses_one_line")
    out = []
    for name, addr in email.utils.getaddresses([field_value]):
        if not addr and not name:
            continue
        if not _ADDR_RE.match(addr):
            raise ComposeError("not_an_address", value=repr(addr or name))
        out.append(addr)
    return out


def _headers(draft: Draft, keep_bcc: bool) -> EmailMessage:
    msg = EmailMessage()
    try:
        msg["From"] = email.utils.formataddr((draft.from_name, draft.from_addr))
        if draft.to.strip():
            msg["To"] = draft.to.strip()
        if draft.cc.strip():
            msg["Cc"] = draft.cc.strip()
        if keep_bcc and draft.bcc.strip():
            msg["Bcc"] = draft.bcc.strip()
        msg["Subject"] = draft.subject
        msg["Date"] = now_header_date()
        domain = draft.from_addr.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = email.utils.make_msgid(secrets.token_hex(8), domain=domain)
        if draft.in_reply_to:
            msg["In-Reply-To"] = draft.in_reply_to
        if draft.references:
            msg["References"] = draft.references
        msg["User-Agent"] = "pmemail webmail"
    except ValueError as err:  # line breaks or malformed values in a header
        raise ComposeError("bad_header", detail=str(err)) from None
    return msg


def _text_part(body: str) -> EmailMessage:
    part = EmailMessage()
    part.set_content(body.replace("\r\n", "\n"), charset="utf-8")
    return part


def write_message(draft: Draft, out: BinaryIO, keep_bcc: bool = False) -> None:
    """Write the whole message for ``draft`` to ``out`` (CRLF line endings).

    ``keep_bcc``: write the Bcc header too (for a saved draft, never for sending).
    """
    msg = _headers(draft, keep_bcc)
    if not draft.attachments and draft.forward is None:
        msg.set_content(draft.body.replace("\r\n", "\n"), charset="utf-8")
        out.write(msg.as_bytes(policy=SMTP))
        return
    boundary = "=_pmemail_" + secrets.token_hex(12)
    # The headers are folded one by one: serialising a multipart EmailMessage
    # without parts would print an empty body of its own.
    for name, value in msg.items():
        out.write(SMTP.fold_binary(name, value))
    out.write(
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"'
        f"\r\n\r\n".encode()
    )
    out.write(b"This is a multi-part message in MIME format.\r\n")
    delim = f"\r\n--{boundary}\r\n".encode()
    out.write(delim)
    out.write(_text_part(draft.body).as_bytes(policy=SMTP))
    if draft.forward is not None:
        out.write(delim)
        out.write(
            b"Content-Type: message/rfc822\r\n"
            b'Content-Disposition: attachment; filename="forwarded.eml"\r\n\r\n'
        )
        _copy_crlf(draft.forward, out)
    for upload in draft.attachments:
        out.write(delim)
        out.write(_attachment_headers(upload))
        _write_base64(upload.path, out)
    out.write(f"\r\n--{boundary}--\r\n".encode())


def _attachment_headers(upload: Upload) -> bytes:
    ctype = (
        upload.content_type
        or mimetypes.guess_type(upload.filename)[0]
        or "application/octet-stream"
    )
    # Composite types cannot be base64-encoded (RFC 2046), so they travel as files.
    if not re.match(r"^[\w.+-]+/[\w.+-]+$", ctype) or ctype.lower().startswith(
        ("message/", "multipart/")
    ):
        ctype = "application/octet-stream"
    part = EmailMessage()
    part["Content-Type"] = ctype
    part.set_param("name", upload.filename or "attachment")
    part["Content-Disposition"] = "attachment"
    part.set_param("filename", upload.filename or "attachment", header="Content-Disposition")
    part["Content-Transfer-Encoding"] = "base64"
    return part.as_bytes(policy=SMTP)


def encoded_size(size: int) -> int:
    """The bytes ``_write_base64`` writes for ``size`` bytes: 76-character lines and CRLF,
    about 4/3 of ``size`` plus 2.6 %; the upload can be refused while it streams in."""
    full, rest = divmod(size, _B64_LINE)
    return full * (76 + 2) + ((rest + 2) // 3 * 4 + 2 if rest else 0)


def _write_base64(path: Path, out: BinaryIO) -> None:
    with open(path, "rb") as f:
        while block := f.read(_B64_BLOCK):
            for i in range(0, len(block), _B64_LINE):
                out.write(binascii.b2a_base64(block[i : i + _B64_LINE], newline=False))
                out.write(b"\r\n")


def _copy_crlf(path: Path, out: BinaryIO) -> None:
    """Copy a stored message with CRLF line endings, line by line."""
    with open(path, "rb") as f:
        for line in f:
            if line.endswith(b"\r\n"):
                out.write(line)
            elif line.endswith(b"\n"):
                out.write(line[:-1] + b"\r\n")
            else:
                out.write(line + b"\r\n")
