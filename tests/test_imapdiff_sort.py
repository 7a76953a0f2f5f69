"""Differential tests of SORT / UID SORT (RFC 5256) and SORT=DISPLAY (RFC 5957),
pmemail vs Dovecot.

The messages are ``tests/data/sort`` (subjects with every kind of subj-leader,
blob, trailer and ``[fwd: ...]`` wrapper of RFC 5256 2.1, encoded words, tabs;
address headers with display names, comments, groups, empty values; dates in
several zones, invalid and missing) and then the general corpus. Answers are
compared as lists of message names, in the order the server sent them.

Needs root (Dovecot runs as ``nobody``) and ``dovecot-imapd``; no lab.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_imapdiff_harness import CORPUS, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
MESSAGES = sorted((Path(__file__).parent / "data" / "sort").glob("*.eml"))
KEYS = ["ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"]
CRITERIA = [
    *KEYS,
    *[f"REVERSE {k}" for k in KEYS],
    "SUBJECT DATE",
    "REVERSE SUBJECT REVERSE DATE",
    "SUBJECT REVERSE ARRIVAL",
    "FROM REVERSE SIZE",
    "REVERSE DISPLAYTO SUBJECT",
]
SEARCHES = ["ALL", "SUBJECT hello", "NOT FROM alice", "OR TO example.net CC example.com", "1:5"]


def sorted_names(side: Side, criteria: str, search: str = "ALL", uid: bool = False) -> list[str]:
    """Message names in the order of the ``* SORT`` answer."""
    prefix = "UID " if uid else ""
    status, text, untagged = side.raw(f"{prefix}SORT ({criteria}) UTF-8 {search}")
    assert status == b"OK", (side.label, criteria, text)
    lines = [u for u in untagged if u.startswith(b"* SORT")]
    assert len(lines) == 1, (side.label, untagged)
    numbers = [int(n) for n in lines[0].split()[2:]]
    if uid:
        by_uid = {u: name for name, u in side.uids.items()}
        return [by_uid[n] for n in numbers]
    return [side.seq_names[n] for n in numbers]


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Both servers over the sort messages."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-sort"), MESSAGES) as pair:
        yield pair


@pytest.fixture(scope="module")
def corpus_sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Both servers over the general corpus (malformed headers included)."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-sort-corpus"), CORPUS) as pair:
        yield pair


def test_capability(sides: Sides) -> None:
    """Both advertise SORT and SORT=DISPLAY."""
    for side in sides:
        _, _, untagged = side.raw("CAPABILITY")
        caps = untagged[0].split()
        assert b"SORT" in caps and b"SORT=DISPLAY" in caps, side.label


@pytest.mark.parametrize("criteria", CRITERIA)
def test_sort(sides: Sides, criteria: str) -> None:
    """The same order on both servers."""
    ours, theirs = sides
    assert sorted_names(ours, criteria) == sorted_names(theirs, criteria)


@pytest.mark.parametrize("criteria", CRITERIA)
def test_sort_corpus(corpus_sides: Sides, criteria: str) -> None:
    """The same order over the general corpus."""
    ours, theirs = corpus_sides
    assert sorted_names(ours, criteria) == sorted_names(theirs, criteria)


@pytest.mark.parametrize("search", SEARCHES)
def test_sort_with_search(sides: Sides, search: str) -> None:
    """The search keys select as SEARCH does; UID SORT answers UIDs."""
    ours, theirs = sides
    for uid in (False, True):
        got = sorted_names(ours, "REVERSE SUBJECT", search, uid)
        assert got == sorted_names(theirs, "REVERSE SUBJECT", search, uid)


@pytest.mark.parametrize(
    "line",
    [
        "SORT (SUBJECT) X-NO-SUCH-CHARSET ALL",
        "SORT (SUBJECT) UTF-8 NOSUCHKEY",
        "SORT (NOSUCHKEY) UTF-8 ALL",
        "SORT () UTF-8 ALL",
        "SORT (REVERSE) UTF-8 ALL",
        "SORT SUBJECT UTF-8 ALL",
        "SORT (SUBJECT) ALL",
        "SORT (SUBJECT) UTF-8",
        "UID SORT (SUBJECT) us-ascii ALL",
    ],
)
def test_errors(sides: Sides, line: str) -> None:
    """Malformed commands get BAD, an unknown charset NO [BADCHARSET] on both."""
    ours, theirs = sides
    (a, ta, _), (b, tb, _) = ours.raw(line), theirs.raw(line)
    assert a == b, (line, ta, tb)
    if b"BADCHARSET" in tb:
        assert ta.startswith(b"[BADCHARSET"), ta
