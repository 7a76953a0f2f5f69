"""mailcore.maildir: names, size tags and flags round-trip, old spellings still read."""

from __future__ import annotations

import itertools
import re

import pytest

from mailcore import maildir

# Names as written by earlier versions and by other programs.
OLD_DELIVERY = "1700000000.M000042P9Q3.mail.example.be,S=1234"  # no ,W=
OLD_STORE = "1700000000.M42P9Q0.mail.example.be,S=1234,W=1260:2,S"  # unpadded usec
DOVECOT = "1700000000.M123456P4242.host,S=100,W=102:2,FRS"
FOREIGN = "1700000000.V801I1M2.host:2,"  # no size tags at all


def test_new_names_carry_their_sizes() -> None:
    assert maildir.sizes(maildir.unique_name(1234)) == (1234, None)
    assert maildir.sizes(maildir.unique_name(1234, 1260)) == (1234, 1260)
    name = maildir.with_flags(maildir.unique_name(5, 7), {"\\Seen"})
    assert name.endswith(",S=5,W=7:2,S")
    assert maildir.sizes(name) == (5, 7)


def test_new_names_are_unique_and_padded() -> None:
    """One counter for every writer; usec zero-padded so names sort by arrival."""
    names = [maildir.unique_name(1) for _ in range(200)]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"\d+\.M\d{6}P\d+Q\d+\.[^,:/]+,S=1", name), name
    stem = maildir.new_stem()
    assert maildir.base_of(maildir.sized(stem, 3, 4) + ":2,T") == f"{stem},S=3,W=4"


@pytest.mark.parametrize(
    ("name", "size", "vsize"),
    [
        (OLD_DELIVERY, 1234, None),
        (OLD_STORE, 1234, 1260),
        (DOVECOT, 100, 102),
        (FOREIGN, None, None),
        ("1.M1P1.host,S=12abc,W=x:2,", None, None),  # malformed tags are ignored
        ("1.M1P1.host:2,S,W=99", None, None),  # a tag after the info is not a tag
    ],
)
def test_sizes_of_every_spelling(name: str, size: int | None, vsize: int | None) -> None:
    assert maildir.sizes(name) == (size, vsize)


def test_base_of() -> None:
    assert maildir.base_of(OLD_STORE) == "1700000000.M42P9Q0.mail.example.be,S=1234,W=1260"
    assert maildir.base_of(OLD_DELIVERY) == OLD_DELIVERY


def test_flags_round_trip_every_combination() -> None:
    flags = sorted(maildir.SYSTEM_FLAGS)
    for n in range(len(flags) + 1):
        for chosen in itertools.combinations(flags, n):
            name = maildir.with_flags(OLD_DELIVERY, chosen)
            assert maildir.info_flags(name) == frozenset(chosen)
            assert maildir.base_of(name) == OLD_DELIVERY
            info = name.partition(":2,")[2]
            assert info == "".join(sorted(info))  # letters in ASCII order, as the spec asks


def test_flags_of_old_and_foreign_names() -> None:
    assert maildir.info_flags(OLD_STORE) == {"\\Seen"}
    assert maildir.info_flags(DOVECOT) == {"\\Flagged", "\\Answered", "\\Seen"}
    assert maildir.info_flags(OLD_DELIVERY) == frozenset()  # new/: no info yet
    assert maildir.info_flags(FOREIGN) == frozenset()


def test_with_flags_keeps_unknown_letters() -> None:
    name = maildir.with_flags("1.M1P1.host,S=3:2,aSz", {"\\Draft"})
    assert name == "1.M1P1.host,S=3:2,Daz"


def test_cur_name() -> None:
    """A file taken from new/ gets an empty info; one that has an info keeps it."""
    assert maildir.cur_name(OLD_DELIVERY) == OLD_DELIVERY + ":2,"
    assert maildir.cur_name(DOVECOT) == DOVECOT


def test_vsize_counts_bare_lf_as_crlf() -> None:
    data = b"a\nb\r\nc\n"
    assert maildir.vsize_of(data) == len(maildir.to_crlf(data)) == 9
    counter = maildir.SizeCounter()
    for chunk in (b"a\r", b"\nb\n"):  # a CRLF split between two chunks
        counter.add(chunk)
    assert (counter.size, counter.vsize) == (5, 6)
