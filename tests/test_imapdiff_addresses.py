"""Differential tests: SEARCH FROM/TO/CC/BCC on addresses with comments, against Dovecot.

RFC 5322 3.2.2 allows comments and folding white space around every token of
an address (``<user-from (comment)@ (comment) domain.org>``), and RFC 3501
SEARCH FROM/TO/CC/BCC match "a substring of the field". Dovecot matches on the
address list written back (comments and folds gone, ``"Display Name"
<mailbox@host>``, groups as ``name: ...;``) and decoded; pmemail must find the
same messages. The messages are ``tests/data/addresses``.

Needs root (Dovecot runs as ``nobody``) and ``dovecot-imapd``; no lab.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_imapdiff_harness import NORMALIZERS, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT

MESSAGES = sorted((Path(__file__).parent / "data" / "addresses").glob("*.eml"))
SEARCHES = [
    "FROM user-from@domain.org",
    'FROM "<user-from@domain.org>"',
    "FROM comment",
    'FROM "(comment)"',
    'TO "Name Quoted"',
    'TO "Quoted <quoted@"',
    'TO "\\"Name"',
    "TO folded@example.net",
    'TO "(c)"',
    "TO other@example.net",
    'TO "<other"',
    'TO ", other"',
    'TO "\\"Folded Name\\" <folded@example.net>, <other@example.net>"',
    "CC xavier",
    'CC "Xavier <x@"',
    'CC "Y, Why"',
    'CC "\\"Y, Why\\""',
    'CC "Team: "',
    'CC "Team: Xavier <x@example.com>, \\"Y, Why\\" <y@example.com>;"',
    'CC ">, "',
    "CC dave@plain.example",
    'CC "just a comment"',
    "BCC juergen@example.de",
    'BCC "=?utf-8"',
    'FROM "Alice in comments"',
    'FROM "\\"Alice in comments\\" <alice@example.org>"',
    'FROM "comments <alice"',
    'FROM "Bob Plain <bob@"',
    'FROM "Plain\\" <bob@plain.example>"',
    'TO "<carol"',
    'TO "carol@plain.example>"',
    "OR FROM domain.org CC example.com",
    "NOT TO example.net",
]
UTF8_SEARCHES = [("BCC", "Jürgen"), ("BCC", "Jürgen <juergen@example.de>")]


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side]]:
    """Both servers over the address messages, for this module."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-addresses"), MESSAGES) as pair:
        yield pair


@pytest.mark.parametrize("criteria", SEARCHES)
def test_address_search(sides: tuple[Side, Side], criteria: str) -> None:
    """The same messages match on both servers."""
    ours, theirs = sides
    assert ours.search(criteria) == theirs.search(criteria)


@pytest.mark.parametrize(("key", "text"), UTF8_SEARCHES)
def test_address_search_utf8(sides: tuple[Side, Side], key: str, text: str) -> None:
    """An encoded-word display name is matched decoded (SEARCH CHARSET UTF-8)."""
    ours, theirs = sides
    assert ours.search(key, "UTF-8", text) == theirs.search(key, "UTF-8", text)


def test_comment_stripped_address_is_found(sides: tuple[Side, Side]) -> None:
    """Issue 15 finding 7 itself: FROM on the address without its comments."""
    ours, _ = sides
    assert ours.search("FROM user-from@domain.org") == ["01-comments-in-angle.eml"]


def test_envelope(sides: tuple[Side, Side]) -> None:
    """ENVELOPE of the same messages: a comment before an address is no display name."""
    ours, theirs = sides
    norm = NORMALIZERS["ENVELOPE"]
    a, b = ours.fetch("ENVELOPE"), theirs.fetch("ENVELOPE")
    assert {n: norm(v) for n, v in a.items()} == {n: norm(v) for n, v in b.items()}
