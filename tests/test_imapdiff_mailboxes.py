"""Differential tests that change the mailboxes: LIST, STATUS, APPEND, COPY, MOVE,
EXPUNGE, CREATE/RENAME/DELETE and answers to bad commands, pmemail vs Dovecot.

Same setup as ``test_imapdiff_corpus`` (``test_imapdiff_harness``), with
fresh servers for this module. The tests run in file order and each applies
the same change to both servers, then compares parsed answers by corpus name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.imap_parse import parse_fetch
from tests.test_imapdiff_harness import (
    BY_KEY,
    NAMES,
    NORMALIZERS,
    SKIP_WITHOUT_DOVECOT,
    Side,
    content_key,
    open_sides,
)

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
APPENDED = (
    b"From: Appender <app@example.be>\r\nTo: office@example.be\r\n"
    b"Subject: appended =?UTF-8?Q?r=C3=A9sum=C3=A9?=\r\n"
    b"Date: Tue, 2 May 2023 10:00:00 +0200\r\nMessage-ID: <append-1@example.be>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ab\r\n\r\n"
    b"--ab\r\nContent-Type: text/plain\r\n\r\nappended body\r\n"
    b"--ab\r\nContent-Type: text/x-note; name=n.txt\r\n\r\nnote\r\n--ab--\r\n"
)
BY_KEY[content_key(APPENDED)] = "appended"


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers over the delivered corpus: this module changes them."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-boxes")) as pair:
        yield pair


_LIST = re.compile(rb'^\((?P<attrs>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$')
# Only these attributes are compared: Dovecot here runs without special-use
# config (no \Sent...), and \HasChildren/\HasNoChildren (RFC 3348) and
# \Subscribed are optional in a plain LIST answer.
_COMPARED_ATTRS = {"\\noselect", "\\noinferiors"}
_EXPUNGE = re.compile(rb"\* (\d+) EXPUNGE")


def _list(side: Side, pattern: str = "*") -> list[tuple[str, str, list[str]]]:
    typ, data = side.client.list('""', pattern)
    assert typ == "OK", data
    out = []
    for line in data:
        assert isinstance(line, bytes), line
        m = _LIST.match(line)
        assert m, line
        attrs = sorted(
            a.lower() for a in m["attrs"].decode().split() if a.lower() in _COMPARED_ATTRS
        )
        out.append((m["name"].decode().strip('"'), m["delim"].decode(), attrs))
    return sorted(out)


def _expunged(side: Side, untagged: list[bytes]) -> list[str]:
    """Corpus names of a series of ``* n EXPUNGE`` lines (each shifts the rest)."""
    order = [side.seq_names[i] for i in sorted(side.seq_names)]
    gone = [order.pop(int(m[1]) - 1) for m in map(_EXPUNGE.match, untagged) if m]
    side.learn(BY_KEY)
    return sorted(gone)


def _uids(side: Side, names: list[str]) -> str:
    return ",".join(str(side.uids[n]) for n in names)


def test_list_and_status(sides: Sides) -> None:
    """LIST names/delimiters and STATUS counts per folder are the same."""
    ours, theirs = sides
    assert _list(ours) == _list(theirs)
    assert _list(ours, "%") == _list(theirs, "%")
    for name, _, _ in _list(ours):
        got = [s.client.status(f'"{name}"', "(MESSAGES UNSEEN)") for s in sides]
        assert got[0][0] == got[1][0] == "OK", got
        # the mailbox name may come back quoted or as an atom: compare the counts
        counts = [g[1][0].rsplit(b"(", 1)[1] for g in got]
        assert (name, counts[0]) == (name, counts[1])


def test_append_then_fetch(sides: Sides) -> None:
    """APPEND with flags and a date: both answer APPENDUID and fetch it alike."""
    for side in sides:
        typ, data = side.client.append(
            "INBOX", r"(\Flagged $Work)", '"02-May-2023 10:00:00 +0200"', APPENDED
        )
        assert typ == "OK", data
        assert re.match(rb"\[APPENDUID \d+ \d+\]", data[0]), data
        side.learn(BY_KEY)
    items = [
        "FLAGS",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODYSTRUCTURE",
        "BODY.PEEK[2.MIME]",
        "BODY.PEEK[]",
    ]
    for item in items:
        norm = NORMALIZERS.get(item, lambda v: v)
        got = [s.fetch(item)["appended"] for s in sides]
        if item == "FLAGS":  # \Recent: up to each server (pmemail never sets it)
            got = [sorted({str(f) for f in g} - {"\\Recent"}) for g in got]
        assert (item, norm(got[0])) == (item, norm(got[1]))


def test_copy_and_move(sides: Sides) -> None:
    """UID COPY answers COPYUID; UID MOVE expunges the same messages."""
    moved = NAMES[1:4]
    for side in sides:
        status, text, _ = side.raw(f"UID COPY {_uids(side, NAMES[5:8])} Archive")
        assert status == b"OK", text
        assert re.match(rb"\[COPYUID \d+ [\d:,]+ [\d:,]+\]", text), text
    gone = []
    for side in sides:
        status, text, untagged = side.raw(f"UID MOVE {_uids(side, moved)} Archive")
        assert status == b"OK", text
        gone.append(_expunged(side, untagged))
    assert gone[0] == gone[1] == sorted(moved)
    archive = []
    for side in sides:
        assert side.client.select("Archive", readonly=True)[0] == "OK"
        typ, data = side.client.fetch("1:*", "(FLAGS RFC822.SIZE BODY.PEEK[HEADER])")
        assert typ == "OK", data
        archive.append(
            sorted((v["RFC822.SIZE"], v["BODY[HEADER]"]) for v in parse_fetch(data).values())
        )
        assert side.client.select("INBOX")[0] == "OK"
        side.learn(BY_KEY)
    assert archive[0] == archive[1]
    assert len(archive[0]) == 6


def test_store_deleted_and_expunge(sides: Sides) -> None:
    """\\Deleted + EXPUNGE removes the same messages; UID EXPUNGE only its set."""
    doomed = [NAMES[0], NAMES[10], NAMES[-1]]
    kept_deleted = NAMES[12]
    gone = []
    for side in sides:
        typ, data = side.client.uid(
            "STORE", _uids(side, [*doomed, kept_deleted]), "+FLAGS.SILENT", r"(\Deleted)"
        )
        assert typ == "OK", data
        status, text, untagged = side.raw(f"UID EXPUNGE {_uids(side, doomed)}")
        assert status == b"OK", text
        gone.append(_expunged(side, untagged))
    assert gone[0] == gone[1] == sorted(doomed)
    for side in sides:
        status, text, untagged = side.raw("EXPUNGE")
        assert status == b"OK", text
        assert _expunged(side, untagged) == [kept_deleted]
    assert sorted(sides[0].seq_names.values()) == sorted(sides[1].seq_names.values())


FOLDERS = ["Projects", "Projects.2024", "Proj&AOk-t &- co", "Re&ALo-u"]


def test_create_rename_delete(sides: Sides) -> None:
    """Folder life cycle with hierarchy and modified UTF-7 names."""
    for side in sides:
        for name in FOLDERS:
            typ, data = side.client.create(f'"{name}"')
            assert typ == "OK", (side.label, name, data)
    ours, theirs = sides
    assert _list(ours) == _list(theirs)
    for side in sides:
        typ, data = side.client.rename('"Projects"', '"Old&AOk-"')
        assert typ == "OK", (side.label, data)
        typ, data = side.client.delete('"Re&ALo-u"')
        assert typ == "OK", (side.label, data)
    assert _list(ours) == _list(theirs)
    assert _list(ours, "Old&AOk-.%") == _list(theirs, "Old&AOk-.%")


# (command, arguments): the tagged result class must be the same on both.
BAD_COMMANDS = [
    ("SELECT", '"No such folder"'),  # NO: does not exist
    ("CREATE", "INBOX"),  # NO: exists
    ("DELETE", '"No such folder"'),  # NO
    ("RENAME", '"No such folder" "Other"'),  # NO
    ("STATUS", "INBOX (NOSUCHITEM)"),  # BAD: syntax
    ("FETCH", "1 (NOSUCHITEM)"),  # BAD
    ("FETCH", "1 BODY[1.X]"),  # BAD: bad section
    ("FETCH", "1:x FLAGS"),  # BAD: bad sequence set
    # Not here: "STORE 1 +FLAGS" with no flag, BAD by RFC 3501's grammar (pmemail)
    # but accepted as an empty list by Dovecot.
    ("SEARCH", "NOSUCHKEY"),  # BAD
    ("SEARCH", "CHARSET X-NO-SUCH-CHARSET ALL"),  # NO [BADCHARSET]
    ("UID", "NOSUCH 1"),  # BAD
    ("NOSUCHCOMMAND", ""),  # BAD
    ("COPY", '1 "No such folder"'),  # NO [TRYCREATE]
    ("APPEND", '"No such folder" {3+}\r\nabc'),  # NO [TRYCREATE]
]


_RFC3501_CODES = {b"TRYCREATE", b"BADCHARSET", b"PARSE", b"READ-ONLY", b"READ-WRITE"}


@pytest.mark.parametrize(("command", "args"), BAD_COMMANDS)
def test_bad_commands(sides: Sides, command: str, args: str) -> None:
    """Both answer NO or BAD alike (and stay usable); response codes match."""
    answers = []
    for side in sides:
        # a failed SELECT leaves no mailbox selected: start each from INBOX
        assert side.client.select("INBOX")[0] == "OK"
        status, text, _ = side.raw(f"{command} {args}".strip())
        code = re.match(rb"\[([A-Z-]+)", text)
        # Only RFC 3501's codes are compared: RFC 5530 codes such as
        # [NONEXISTENT] are optional and Dovecot sends more of them.
        rfc3501 = code.group(1) if code and code.group(1) in _RFC3501_CODES else None
        answers.append((status, rfc3501))
        assert side.client.noop()[0] == "OK"
    assert answers[0] == answers[1]
