"""Differential tests: part numbers inside message/rfc822 entities, against Dovecot.

The messages (``tests/data/nested``) put message/rfc822 at the top level, at
depth 1 and 2 (a forward of a forward, a multipart inside an rfc822 inside a
multipart) and straight inside another message/rfc822. RFC 3501 6.4.5 numbers
the parts of a message/rfc822 part as those of the message it encloses, with
``n.HEADER``/``n.TEXT`` its header and text and ``n.MIME`` the part's own header;
BODYSTRUCTURE must describe the same tree with the same sizes.

Needs root (Dovecot runs as ``nobody``) and ``dovecot-imapd``; no lab.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_imapdiff_harness import NORMALIZERS, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT

NESTED = sorted((Path(__file__).parent / "data" / "nested").glob("*.eml"))
NAMES = [p.name for p in NESTED]
ITEMS = [
    "BODYSTRUCTURE",
    "BODY",
    "ENVELOPE",
    "RFC822.SIZE",
    *(
        f"BODY.PEEK[{s}]"
        for s in (
            "1",
            "1.MIME",
            "1.HEADER",
            "1.TEXT",
            "1.1",
            "1.1.MIME",
            "1.1.HEADER",
            "1.1.TEXT",
            "1.1.1",
            "1.1.2",
            "1.1.1.MIME",
            "1.2",
            "1.2.MIME",
            "1.2.HEADER",
            "1.2.TEXT",
            "1.2.1",
            "1.2.2.MIME",
            "1.2.1.1",
            "1.3",
            "2",
            "2.TEXT",
            "2.1",
            "2.2",
            "2.2.MIME",
            "2.2.HEADER",
            "2.2.TEXT",
            "2.2.1",
            "2.2.2",
            "2.2.2.MIME",
            "2.2.1.1",
            "2.2.HEADER.FIELDS (SUBJECT FROM)",
            "3",
            "3.1",
        )
    ),
    "BODY.PEEK[1.1]<0.10>",
    "BODY.PEEK[1.2.1]<0.10>",
    "BODY.PEEK[1.2.TEXT]<0.10>",
    "BODY.PEEK[1.1.HEADER]<0.10>",
    "BODY.PEEK[2.2.1]<0.10>",
    "BODY.PEEK[2.2.TEXT]<5.10>",
    "BODY.PEEK[1.1.1]<2.10>",
]


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side]]:
    """Both servers over the nested messages, for this module."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-nested"), NESTED) as pair:
        yield pair


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("item", ITEMS)
def test_nested_part(sides: tuple[Side, Side], item: str, name: str) -> None:
    """Each section of each nested message has Dovecot's bytes (parsed structures)."""
    ours, theirs = sides
    norm = NORMALIZERS.get(item, lambda v: v)
    assert name in ours.uids and name in theirs.uids
    assert norm(ours.fetch(item).get(name)) == norm(theirs.fetch(item).get(name))


def test_bodystructure_extension_data(sides: tuple[Side, Side]) -> None:
    """Not only the standard fields: the whole BODYSTRUCTURE is the same (sizes and
    line counts of every enclosed message included)."""
    ours, theirs = sides
    assert ours.fetch("BODYSTRUCTURE") == theirs.fetch("BODYSTRUCTURE")
