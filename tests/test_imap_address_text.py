"""Address lists written back for SEARCH FROM/TO/CC/BCC (RFC 5322 3.4, RFC 3501 6.4.4).

Comments and folding white space may stand around any token of an address
(RFC 5322 3.2.2); they are not part of it, so a search for the address must
not depend on them. The forms expected are Dovecot 2.3's (``message_address_write``),
which ``test_imapdiff_addresses`` checks against a live Dovecot.
"""

from __future__ import annotations

import pytest

from mailcore.imap.address import address_text, parse_address_list


@pytest.mark.parametrize(
    ("header", "written"),
    [
        (b"<user-from (comment)@ (comment) domain.org>", b"<user-from@domain.org>"),
        (b'"Name" <a@b.example>', b"Name <a@b.example>"),
        (b'"Two Words" <a@b.example>', b'"Two Words" <a@b.example>'),
        (
            b'"Folded Name"\r\n <folded (c) @\r\n   example.net>, other @ example.net',
            b'"Folded Name" <folded@example.net>, <other@example.net>',
        ),
        (b"alice@example.org (Alice in comments)", b'"Alice in comments" <alice@example.org>'),
        (b"(just a comment) dave @ plain . example", b"<dave@plain.example>"),
        (
            b'Team: x@example.com (Xavier), "Y, Why" <y@example.com>;',
            b'Team: Xavier <x@example.com>, "Y, Why" <y@example.com>;',
        ),
        (
            b"=?utf-8?q?J=C3=BCrgen?= <juergen@example.de>",
            b"=?utf-8?q?J=C3=BCrgen?= <juergen@example.de>",
        ),
    ],
)
def test_written_without_comments_or_folds(header: bytes, written: bytes) -> None:
    """Each form is written back as Dovecot writes it."""
    assert address_text(parse_address_list(header) or []) == written


def test_leading_comment_is_no_display_name() -> None:
    """Only a comment inside or after the addr-spec names it (as in Dovecot's ENVELOPE)."""
    assert parse_address_list(b"(note) a@b.example") == [(None, None, b"a", b"b.example")]
    assert parse_address_list(b"a@b.example (note)") == [(b"note", None, b"a", b"b.example")]
