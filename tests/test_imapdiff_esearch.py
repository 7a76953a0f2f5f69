"""Differential tests of ESEARCH (RFC 4731) and MULTIAPPEND (RFC 3502), pmemail vs
Dovecot (``test_imapdiff_harness``).

ESEARCH answers are compared with the numbers turned into corpus names (MIN, MAX,
the ALL set) as the harness compares SEARCH; the raw ALL text is compared too
where both servers number the corpus alike, to check the sequence-set
compression. MULTIAPPEND goes to a mailbox of its own (``m``) and is compared by
what the mailbox holds afterwards and by the shape of APPENDUID.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.test_imapdiff_harness import SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
_FETCHED = re.compile(rb"FLAGS \(([^)]*)\) RFC822\.SIZE (\d+) BODY\[\] \{\d+\}\r\n(Subject:.)")
_ESEARCH = re.compile(rb'^\* ESEARCH \(TAG "[^"]+"\)(?P<uid> UID)?(?P<rest>.*)$')


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers: this module appends messages."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-esearch")) as pair:
        yield pair


def _members(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _esearch(side: Side, line: str) -> tuple[bytes, dict[str, object]]:
    """(status, {result option: value}) with numbers as corpus names."""
    status, _, untagged = side.raw(line)
    if status != b"OK":
        return status, {}
    [hit] = [m for u in untagged if (m := _ESEARCH.match(u))]
    uid = bool(hit["uid"])
    by_uid = {n: name for name, n in side.uids.items()}
    name = by_uid.__getitem__ if uid else side.seq_names.__getitem__
    words = hit["rest"].decode().split()
    out: dict[str, object] = {"UID": uid}
    for key, value in zip(words[::2], words[1::2], strict=True):
        if key in ("MIN", "MAX"):
            out[key] = name(int(value))
        elif key == "ALL":
            out[key] = sorted(name(n) for n in _members(value))
        elif key == "MODSEQ":
            out[key] = "present"  # the values differ; the rule is tested in test_imap_esearch
        else:
            out[key] = int(value)
    return status, out


@pytest.mark.parametrize(
    "line",
    [
        "SEARCH RETURN (MIN MAX ALL COUNT) ALL",
        "SEARCH RETURN (MIN MAX COUNT) UNSEEN",
        "SEARCH RETURN (ALL) SUBJECT test",
        "SEARCH RETURN (ALL) FROM example",
        "UID SEARCH RETURN () ALL",
        "UID SEARCH RETURN (COUNT MIN) NOT SUBJECT test",
        "SEARCH RETURN (COUNT) SUBJECT nosuchthing-xyz",
        "SEARCH RETURN (MIN MAX ALL) SUBJECT nosuchthing-xyz",
        "SEARCH RETURN (min) CHARSET UTF-8 ALL",
        "SEARCH RETURN (MIN MIN) ALL",
        "SEARCH RETURN (MIN MAX ALL COUNT) MODSEQ 1",
        "SEARCH RETURN (COUNT) MODSEQ 99999999",
        "SEARCH RETURN (FOO) ALL",
        "SEARCH CHARSET UTF-8 RETURN (MIN) ALL",
        "SEARCH RETURN ALL ALL",
    ],
)
def test_esearch_same_as_dovecot(sides: Sides, line: str) -> None:
    """The same status and the same results, message for message."""
    ours, theirs = (_esearch(side, line) for side in sides)
    assert ours == theirs, line


def test_all_compressed_like_dovecot(sides: Sides) -> None:
    """RFC 4731 3.1: ALL is a sequence-set, runs as ``a:b`` (``1:26``, not ``1,2,...``)."""
    answers = [side.raw("UID SEARCH RETURN (ALL) ALL")[2] for side in sides]
    ours, theirs = ([u for u in a if u.startswith(b"* ESEARCH")] for a in answers)
    assert [_ESEARCH.sub(rb"\g<rest>", u) for u in ours] == [
        _ESEARCH.sub(rb"\g<rest>", u) for u in theirs
    ]


def _count(side: Side, mailbox: str) -> int:
    status, _, untagged = side.raw(f"STATUS {mailbox} (MESSAGES)")
    assert status == b"OK", (side.label, untagged)
    [line] = [u for u in untagged if u.startswith(b"* STATUS")]
    return int(re.findall(rb"MESSAGES (\d+)", line)[0])


def _both(sides: Sides, line: str) -> list[tuple[bytes, bytes]]:
    return [side.raw(line)[:2] for side in sides]


def test_multiappend_same_as_dovecot(sides: Sides) -> None:
    """RFC 3502: three messages in one APPEND, each with its own flags and date; the
    APPENDUID set covers them (``n:n+2``) and FETCH shows the same on both."""
    for side in sides:
        assert side.raw("CREATE m")[0] == b"OK"
    line = (
        "APPEND m (\\Seen) {9+}\r\nSubject:a (\\Flagged $x) "
        '"01-Jan-2020 10:00:00 +0000" {9+}\r\nSubject:b {9+}\r\nSubject:c'
    )
    answers = _both(sides, line)
    for status, text in answers:
        assert status == b"OK", text
        assert re.match(rb"\[APPENDUID \d+ 1:3\] ", text), text
    fetched = []
    for side in sides:
        side.raw("EXAMINE m")
        _, _, untagged = side.raw("FETCH 1:* (FLAGS RFC822.SIZE BODY.PEEK[])")
        got = _FETCHED.findall(b"".join(untagged))
        assert len(got) == 3, (side.label, untagged)
        _, _, dated = side.raw("FETCH 2 INTERNALDATE")  # the one given a date
        fetched.append(
            [(sorted(f.split()), size, subject) for f, size, subject in got]
            + [b"".join(u for u in dated if b"INTERNALDATE" in u)]
        )
        side.raw("SELECT INBOX")
    assert fetched[0] == fetched[1]


@pytest.mark.parametrize(
    "line, status",
    [
        ("APPEND m {9+}\r\nSubject:d {0+}\r\n", b"NO"),  # an empty second message
        ("APPEND m {9+}\r\nSubject:d (\\Bogus) {9+}\r\nSubject:e", b"BAD"),
        ('APPEND m {9+}\r\nSubject:d "31-Foo-2020 10:00:00 +0000" {9+}\r\nSubject:e', b"BAD"),
    ],
)
def test_multiappend_all_or_nothing(sides: Sides, line: str, status: bytes) -> None:
    """RFC 3502 6.3.11: if one message cannot be appended, none is."""
    before = [_count(side, "m") for side in sides]
    for (got, text), side in zip(_both(sides, line), sides, strict=True):
        assert got == status, (side.label, text)
        side.raw("NOOP")  # Dovecot reads the rest of a refused command as a command
    assert [_count(side, "m") for side in sides] == before


def test_multiappend_trycreate(sides: Sides) -> None:
    """A missing mailbox: NO [TRYCREATE] on both, nothing created."""
    for status, text in _both(sides, "APPEND nosuch {9+}\r\nSubject:a {9+}\r\nSubject:b"):
        assert status == b"NO" and text.startswith(b"[TRYCREATE]"), text
