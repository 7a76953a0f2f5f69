"""Differential tests of QRESYNC (RFC 7162 3.2), pmemail vs Dovecot: a client that
enabled QRESYNC re-syncs after another session expunged and flagged messages.
Answers are compared by corpus name (UIDs and modseqs are each server's own)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.imap_parse import parse_fetch
from tests.test_imapdiff_harness import NAMES, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
_FETCH = re.compile(rb"\* (\d+) FETCH (.*)$")


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers over the delivered corpus: this module changes them."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-qresync")) as pair:
        yield pair


def _uid_set(text: bytes) -> set[int]:
    out: set[int] = set()
    for part in text.split(b","):
        lo, _, hi = part.partition(b":")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def _summary(side: Side, untagged: list[bytes]) -> list[Any]:
    """VANISHED / FETCH / [CLOSED] lines by corpus name; other lines are server choices."""
    by_uid = {uid: name for name, uid in side.uids.items()}
    out: list[Any] = []
    for line in untagged:
        line = line.rstrip(b"\r\n")
        if line.startswith(b"* VANISHED "):
            earlier = line.startswith(b"* VANISHED (EARLIER) ")
            uids = _uid_set(line.rsplit(b" ", 1)[1])
            out.append(("VANISHED", earlier, sorted(by_uid[u] for u in uids)))
        elif m := _FETCH.match(line):
            fields = parse_fetch([m[1] + b" " + m[2]])[int(m[1])]
            flags = sorted({str(f) for f in fields.get("FLAGS", [])} - {"\\Recent"})
            out.append(("FETCH", by_uid[int(fields["UID"])], flags, "MODSEQ" in fields))
        elif line.startswith(b"* OK [CLOSED]"):
            out.append(("CLOSED",))
    return out


def _state(untagged: list[bytes]) -> tuple[int, int]:
    text = b"".join(untagged).decode()
    uv = re.search(r"\[UIDVALIDITY (\d+)\]", text)
    ms = re.search(r"\[HIGHESTMODSEQ (\d+)\]", text)
    assert uv and ms
    return int(uv[1]), int(ms[1])


def test_resync_after_another_session_expunged_and_flagged(sides: Sides) -> None:
    """ENABLE QRESYNC; another session flags and expunges; the client hears VANISHED on
    NOOP, and a SELECT (QRESYNC ...) / UID FETCH (CHANGEDSINCE n VANISHED) from its old
    modseq answer the same expunged and changed messages as Dovecot."""
    got: list[list[Any]] = []
    for side in sides:
        client = side.connect()
        status, text, untagged = side.raw("ENABLE QRESYNC", client)
        assert (status, untagged) == (b"OK", [b"* ENABLED QRESYNC"]), text
        status, text, untagged = side.raw("SELECT INBOX", client)
        assert status == b"OK", text
        uv, highest = _state(untagged)
        flagged = str(side.uids[NAMES[2]])
        gone = ",".join(str(side.uids[n]) for n in (NAMES[1], NAMES[5]))
        for line in (
            f"UID STORE {flagged} +FLAGS.SILENT (\\Flagged)",
            f"UID STORE {gone} +FLAGS.SILENT (\\Deleted)",
            "EXPUNGE",
        ):
            status, text, _ = side.raw(line)
            assert status == b"OK", text
        answers = []
        for line in (
            "NOOP",
            f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)",
            f"SELECT INBOX (QRESYNC ({uv} {highest}))",
            f"EXAMINE INBOX (QRESYNC ({uv} {highest} {gone}))",
            f"EXAMINE INBOX (QRESYNC ({uv} {highest} {gone},{flagged}))",
        ):
            status, text, untagged = side.raw(line, client)
            assert status == b"OK", text
            answers.append(sorted(_summary(side, untagged), key=repr))
        got.append(answers)
        client.logout()
    assert got[0] == got[1]
    assert got[0][2][0] == ("CLOSED",)


def test_closed_without_qresync(sides: Sides) -> None:
    """A SELECT replacing a selected mailbox: [CLOSED] even without ENABLE (RFC 7162
    3.2.11 applies to a server advertising QRESYNC), as Dovecot sends it."""
    got = []
    for side in sides:
        status, text, untagged = side.raw("EXAMINE INBOX")
        assert status == b"OK", text
        got.append(_summary(side, untagged))
        status, text, _ = side.raw("SELECT INBOX")
        assert status == b"OK", text
    assert got[0] == got[1] == [("CLOSED",)]
