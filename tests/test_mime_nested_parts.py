"""Part numbers inside message/rfc822 entities, at any depth (RFC 3501 6.4.5).

"Every message has at least one part number": a message that is not multipart
has one part, its body, and the parts of a message/rfc822 part are numbered as
the parts of the message it encloses, also when it is the top-level message.
The expected bytes are Dovecot 2.3's answers for the same files
(``test_imapdiff_nested`` compares with a live Dovecot).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcore import mime
from mailcore.imap.grammar import Section
from mailcore.imap.structure import body_structure, section_bytes

NESTED = Path(__file__).parent / "data" / "nested"


def _fetch(
    name: str, part: tuple[int, ...], text: str = "", window: tuple[int, int] | None = None
) -> bytes:
    path = NESTED / name
    with open(path, "rb") as f:
        root = mime.scan_file(f)
        return section_bytes(f, root, Section(part=part, text=text), window)


@pytest.mark.parametrize(
    ("name", "part", "text", "expected"),
    [
        # a top-level message/rfc822 enclosing a multipart/mixed
        ("01-toplevel-rfc822.eml", (1, 1), "", b"First inner part, plain text,\r\nover two lines."),
        (
            "01-toplevel-rfc822.eml",
            (1, 1),
            "MIME",
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-ID: <part-one@example.org>\r\n\r\n",
        ),
        ("01-toplevel-rfc822.eml", (1, 2, 1), "", b"deep plain body"),
        ("01-toplevel-rfc822.eml", (1, 2, 2), "", b"<p>deep html body</p>"),
        ("01-toplevel-rfc822.eml", (1, 2, 2), "MIME", b"Content-Type: text/html\r\n\r\n"),
        (
            "01-toplevel-rfc822.eml",
            (1, 2),
            "HEADER",
            b"From: Frank <frank@example.org>\r\nSubject: Two levels down\r\n"
            b"Date: Sat, 18 Mar 2023 08:00:00 +0100\r\n"
            b'Content-Type: multipart/alternative; boundary="deepest"\r\n\r\n',
        ),
        (
            "01-toplevel-rfc822.eml",
            (1, 2),
            "TEXT",
            b"--deepest\r\nContent-Type: text/plain\r\n\r\ndeep plain body\r\n--deepest\r\n"
            b"Content-Type: text/html\r\n\r\n<p>deep html body</p>\r\n--deepest--\r\n",
        ),
        ("01-toplevel-rfc822.eml", (1, 3), "", b""),
        # a top-level message/rfc822 enclosing a plain message: its part 1 is its body
        (
            "03-toplevel-rfc822-plain.eml",
            (1, 1),
            "",
            b"Just text inside a top-level message/rfc822,\r\ntwo lines.\r\n",
        ),
        (
            "03-toplevel-rfc822-plain.eml",
            (1, 1),
            "MIME",
            b"From: Lee <lee@example.org>\r\nSubject: plain inside\r\n"
            b"Date: Tue, 21 Mar 2023 10:00:00 +0100\r\n\r\n",
        ),
        ("03-toplevel-rfc822-plain.eml", (1, 2), "", b""),
        # message/rfc822 straight inside message/rfc822
        ("04-rfc822-in-rfc822.eml", (1, 1, 1), "", b"one"),
        ("04-rfc822-in-rfc822.eml", (1, 1, 2), "MIME", b"Content-Type: text/plain\r\n\r\n"),
        (
            "04-rfc822-in-rfc822.eml",
            (1, 1),
            "HEADER",
            b"From: Ola <ola@example.org>\r\nSubject: innermost\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n',
        ),
        # forwarded inside forwarded, inside multiparts
        ("02-forward-depth2.eml", (2, 2, 1), "", b"innermost plain text"),
        ("02-forward-depth2.eml", (2, 2, 2), "MIME", b"Content-Type: text/html\r\n\r\n"),
    ],
)
def test_parts_of_enclosed_messages(
    name: str, part: tuple[int, ...], text: str, expected: bytes
) -> None:
    """BODY[n.m...], BODY[n.MIME/HEADER/TEXT] address the enclosed message's parts."""
    assert _fetch(name, part, text) == expected


def test_partial_ranges_of_nested_parts() -> None:
    """BODY[section]<0.10> is the first ten bytes of the nested part."""
    assert _fetch("01-toplevel-rfc822.eml", (1, 1), window=(0, 10)) == b"First inne"
    assert _fetch("01-toplevel-rfc822.eml", (1, 2, 1, 1), window=(0, 10)) == b"deep plain"
    assert _fetch("04-rfc822-in-rfc822.eml", (1, 1), window=(0, 10)) == b"From: Ola "
    assert _fetch("02-forward-depth2.eml", (2, 2, 1), window=(0, 10)) == b"innermost "


def test_closing_delimiter_keeps_its_line_break() -> None:
    """A nested multipart's closing delimiter right before the outer delimiter keeps
    its CRLF (Dovecot's sizes): the enclosed message of 02's part 2 is 644 bytes,
    31 lines, and the one inside it 328 bytes, 16 lines."""
    with open(NESTED / "02-forward-depth2.eml", "rb") as f:
        root = mime.scan_file(f)
    middle = body_structure(root, False)[1]
    assert isinstance(middle, list)
    assert (middle[6], middle[9]) == (644, 31)
    inner = middle[8]
    assert isinstance(inner, list)
    assert isinstance(inner[1], list)
    assert (inner[1][6], inner[1][9]) == (328, 16)
