"""The streaming MIME scanner agrees with the standard library on real message shapes."""

from __future__ import annotations

import email
import email.policy
import io
import os
from email.message import EmailMessage

import pytest

from mailcore.mime import decode_part, scan_file


def _nested() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "a@example.be"
    msg["Subject"] = "nested"
    msg.set_content("plain body\n-- \nsignature line starting with dashes\n")
    msg.add_alternative("<p>html body</p>", subtype="html")
    msg.make_mixed()
    msg.add_attachment(os.urandom(50_000), maintype="image", subtype="png", filename="photo.png")
    inner = EmailMessage()
    inner["Subject"] = "inner"
    inner.set_content("inner text")
    msg.add_attachment(inner)
    msg.add_attachment(
        "caf\u00e9\n" * 300, subtype="csv", filename="table.csv", cte="quoted-printable"
    )
    return msg


def _leaves(raw: bytes) -> list[tuple[str, bytes]]:
    """(content type, decoded payload) of each leaf as the email package sees it.

    An attached message/rfc822 is one leaf (the scanner offers it as a .eml file).
    """
    out: list[tuple[str, bytes]] = []

    def visit(part: EmailMessage) -> None:
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            out.append((ctype, b""))
        elif part.is_multipart():
            for sub in part.iter_parts():
                assert isinstance(sub, EmailMessage)
                visit(sub)
        else:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            out.append((ctype, payload))

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    visit(msg)
    return out


@pytest.mark.parametrize("linesep", ["\r\n", "\n"])
def test_nested_multipart_matches_email_package(linesep: str) -> None:
    """Types and decoded bodies of every leaf part match, with CRLF or LF files."""
    raw = _nested().as_bytes(policy=email.policy.default.clone(linesep=linesep))
    structure = scan_file(io.BytesIO(raw))
    expected = _leaves(raw)
    assert [p.content_type for p in structure.parts] == [t for t, _ in expected]
    f = io.BytesIO(raw)
    for part, (ctype, payload) in zip(structure.parts, expected, strict=True):
        if ctype != "message/rfc822":
            assert b"".join(decode_part(f, part)) == payload, ctype
    names = [p.filename for p in structure.parts if p.is_attachment]
    assert names == ["photo.png", "message.eml", "table.csv"]


def test_missing_closing_boundary_ends_at_eof() -> None:
    """A truncated message still lists its last part, ending at end of file."""
    raw = (
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
        b"filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n"
    )
    structure = scan_file(io.BytesIO(raw))
    assert [p.content_type for p in structure.parts] == ["text/plain", "application/pdf"]
    f = io.BytesIO(raw)
    assert b"".join(decode_part(f, structure.parts[0])) == b"hello"
    assert b"".join(decode_part(f, structure.parts[1])) == b"Hello"


def test_single_part_and_huge_line() -> None:
    """A non-MIME message is one text part; a line longer than a block is skipped over."""
    raw = b"Subject: x\r\n\r\n" + b"A" * (3 << 20) + b"\r\nend\r\n"
    structure = scan_file(io.BytesIO(raw))
    assert len(structure.parts) == 1 and structure.parts[0].end == len(raw)
    mixed = (
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\r\n"
        + b"x" * (3 << 20)
        + b"\r\n--B--\r\n"
    )
    parts = scan_file(io.BytesIO(mixed)).parts
    assert len(parts) == 1 and parts[0].size == 3 << 20
