"""Differential tests of THREAD / UID THREAD (RFC 5256 ORDEREDSUBJECT and REFERENCES),
pmemail vs Dovecot.

``tests/data/thread`` is a set of conversations: References chains, In-Reply-To only
(with text around the id), a missing parent (dummies), a duplicate Message-ID, a
References loop, a message without Message-ID, a chain through unknown ids, invalid
References, a child dated before its parent, two children of one missing message.
The SORT messages (subjects only) and the general corpus are threaded too. The answers
are compared as the server sent them, with numbers replaced by message names.

Needs root (Dovecot runs as ``nobody``) and ``dovecot-imapd``; no lab.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_imapdiff_harness import CORPUS, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
DATA = Path(__file__).parent / "data"
SETS = {
    "thread": sorted((DATA / "thread").glob("*.eml")),
    "sort": sorted((DATA / "sort").glob("*.eml")),
    "corpus": CORPUS,
}
ALGORITHMS = ["ORDEREDSUBJECT", "REFERENCES"]


def threads(side: Side, algorithm: str, search: str = "ALL", uid: bool = False) -> str:
    """The ``* THREAD`` data with every number replaced by its message's name."""
    prefix = "UID " if uid else ""
    status, text, untagged = side.raw(f"{prefix}THREAD {algorithm} UTF-8 {search}")
    assert status == b"OK", (side.label, algorithm, text)
    lines = [u for u in untagged if u.startswith(b"* THREAD")]
    assert len(lines) == 1, (side.label, untagged)
    names = {u: n for n, u in side.uids.items()} if uid else side.seq_names
    data = lines[0].decode()[len("* THREAD") :].strip()
    return re.sub(r"\d+", lambda m: names[int(m.group())], data)


@pytest.fixture(scope="module", params=list(SETS))
def sides(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sides]:
    """Both servers over one message set."""
    with open_sides(
        tmp_path_factory.mktemp(f"imapdiff-thread-{request.param}"), SETS[request.param]
    ) as pair:
        yield pair


def test_capability(sides: Sides) -> None:
    """Both advertise both algorithms."""
    for side in sides:
        caps = side.raw("CAPABILITY")[2][0].split()
        assert b"THREAD=ORDEREDSUBJECT" in caps and b"THREAD=REFERENCES" in caps


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("uid", [False, True])
def test_thread(sides: Sides, algorithm: str, uid: bool) -> None:
    """The same threads, in the same order, on both servers."""
    ours, theirs = sides
    assert threads(ours, algorithm, uid=uid) == threads(theirs, algorithm, uid=uid)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("search", ["SUBJECT plans", "NOT SUBJECT lost", "2:8", "SUBJECT nothing"])
def test_thread_with_search(sides: Sides, algorithm: str, search: str) -> None:
    """Only the messages the search keys select are threaded."""
    ours, theirs = sides
    assert threads(ours, algorithm, search) == threads(theirs, algorithm, search)


@pytest.mark.parametrize(
    "line",
    [
        "THREAD X-UNKNOWN UTF-8 ALL",
        "THREAD REFERENCES X-NO-SUCH-CHARSET ALL",
        "THREAD REFERENCES ALL",
        "THREAD REFERENCES UTF-8",
        "THREAD (REFERENCES) UTF-8 ALL",
        "UID THREAD ORDEREDSUBJECT us-ascii ALL",
    ],
)
def test_errors(sides: Sides, line: str) -> None:
    """The same status (BAD for the grammar, NO [BADCHARSET] for a charset) on both."""
    ours, theirs = sides
    (a, ta, _), (b, tb, _) = ours.raw(line), theirs.raw(line)
    assert a == b, (line, ta, tb)
    if b"BADCHARSET" in tb:
        assert ta.startswith(b"[BADCHARSET"), ta
