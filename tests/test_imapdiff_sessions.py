"""Differential tests of what a second session is told, pmemail vs Dovecot.

Flag changes and expunges made by one session, and mail delivered into the
Maildir behind the server's back, must reach another session on the same
mailbox as the same untagged FETCH FLAGS / EXPUNGE / EXISTS answers (on
NOOP and during IDLE). Setup: ``test_imapdiff_harness``.
"""

from __future__ import annotations

import imaplib
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.imap_parse import parse_fetch
from tests.test_imapdiff_harness import (
    BY_KEY,
    NAMES,
    SKIP_WITHOUT_DOVECOT,
    Side,
    content_key,
    open_sides,
)

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
_FETCH = re.compile(rb"\* (\d+) FETCH (.*)$")
_NUMBERED = re.compile(rb"\* (\d+) (EXPUNGE|EXISTS)$")
DEADLINE = 5.0  # seconds a delivery may take to be noticed (pmemail polls every 0.1 s)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers over the delivered corpus: this module changes them."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-sessions")) as pair:
        yield pair


@pytest.fixture
def others(sides: Sides) -> Iterator[list[imaplib.IMAP4]]:
    """A second session per server with INBOX selected."""
    clients = []
    for side in sides:
        client = side.connect()
        assert client.select("INBOX")[0] == "OK"
        clients.append(client)
    yield clients
    for client in clients:
        client.logout()


def _summary(side: Side, untagged: list[bytes]) -> list[Any]:
    """Unsolicited answers in terms of corpus names (by the side's numbering)."""
    order = [side.seq_names[i] for i in sorted(side.seq_names)]
    out: list[Any] = []
    for line in untagged:
        if m := _FETCH.match(line):
            fields = parse_fetch([m[1] + b" " + m[2]])[int(m[1])]
            flags = sorted({str(f) for f in fields.get("FLAGS", [])} - {"\\Recent"})
            out.append(("FETCH", order[int(m[1]) - 1], flags))
        elif (m := _NUMBERED.match(line)) and m[2] == b"EXPUNGE":
            out.append(("EXPUNGE", order.pop(int(m[1]) - 1)))
        elif m:
            out.append(("EXISTS", int(m[1])))
        # others (* OK [HIGHESTMODSEQ], * n RECENT ...) are server choices
    return out


def _message(subject: str) -> bytes:
    return (
        f"From: Late <late@example.org>\nTo: office@example.be\nSubject: {subject}\n"
        f"Date: Wed, 3 May 2023 10:00:00 +0000\nMessage-ID: <{subject}@example.org>\n"
        f"\n{subject} body\n"
    ).encode()


def test_flags_reach_the_other_session(sides: Sides, others: list[imaplib.IMAP4]) -> None:
    """UID STORE in one session: the other's NOOP gets the same FETCH FLAGS."""
    got = []
    for side, other in zip(sides, others, strict=True):
        uids = ",".join(str(side.uids[n]) for n in NAMES[2:4])
        status, text, _ = side.raw(f"UID STORE {uids} +FLAGS.SILENT (\\Flagged $Todo)")
        assert status == b"OK", text
        status, text, untagged = side.raw("NOOP", other)
        assert status == b"OK", text
        got.append(sorted(_summary(side, untagged)))
    assert got[0] == got[1]
    assert [name for _, name, _ in got[0]] == NAMES[2:4]


def test_expunge_reaches_the_other_session(sides: Sides, others: list[imaplib.IMAP4]) -> None:
    """EXPUNGE in one session: the other's NOOP gets the same EXPUNGEs."""
    got = []
    for side, other in zip(sides, others, strict=True):
        uids = ",".join(str(side.uids[n]) for n in (NAMES[1], NAMES[5]))
        status, text, _ = side.raw(f"UID STORE {uids} +FLAGS.SILENT (\\Deleted)")
        assert status == b"OK", text
        status, text, _ = side.raw("EXPUNGE")
        assert status == b"OK", text
        status, text, untagged = side.raw("NOOP", other)
        assert status == b"OK", text
        got.append(_summary(side, untagged))
        side.learn(BY_KEY)
    assert got[0] == got[1]
    assert sorted(x[1] for x in got[0] if x[0] == "EXPUNGE") == [NAMES[1], NAMES[5]]


def _noop_until_exists(side: Side) -> list[Any]:
    deadline = time.monotonic() + DEADLINE
    while True:
        status, text, untagged = side.raw("NOOP")
        assert status == b"OK", text
        summary = [x for x in _summary(side, untagged) if x[0] == "EXISTS"]
        if summary or time.monotonic() > deadline:
            return summary
        time.sleep(0.1)


def test_delivery_seen_on_noop(sides: Sides) -> None:
    """A message delivered to the Maildir shows up as the same EXISTS on NOOP."""
    data = _message("noop-delivery")
    BY_KEY[content_key(data)] = "noop-delivery"
    got = []
    for side in sides:
        side.deliver(data)
        got.append(_noop_until_exists(side))
        side.learn(BY_KEY)
    assert got[0] == got[1] == [("EXISTS", len(NAMES) - 2 + 1)]
    assert (
        sides[0].fetch("ENVELOPE")["noop-delivery"] == sides[1].fetch("ENVELOPE")["noop-delivery"]
    )


def test_delivery_seen_during_idle(sides: Sides, others: list[imaplib.IMAP4]) -> None:
    """A session in IDLE is told EXISTS for a delivery, within the deadline."""
    data = _message("idle-delivery")
    got = []
    for side, other in zip(sides, others, strict=True):
        tag = other._new_tag()
        other.send(tag + b" IDLE\r\n")
        assert other._get_line().startswith(b"+")
        side.deliver(data)
        other.sock.settimeout(DEADLINE)
        lines: list[bytes] = []
        while not any(_NUMBERED.match(x) for x in lines):
            lines.append(other._get_line())  # a timeout here fails the test
        other.send(b"DONE\r\n")
        while not (line := other._get_line()).startswith(tag + b" "):
            lines.append(line)
        assert line.startswith(tag + b" OK"), line
        got.append([x for x in _summary(side, lines) if x[0] == "EXISTS"])
    assert got[0] == got[1]
    assert got[0][-1] == ("EXISTS", len(NAMES) - 2 + 2)


def test_nothing_follows_bye_on_logout(sides: Sides) -> None:
    """RFC 3501 6.1.3: LOGOUT answers ``* BYE`` then its tagged OK, nothing between.

    Another session's flag change and expunge are still pending in the one
    logging out; Dovecot drops them rather than send them after the BYE.
    """
    got = []
    for side in sides:
        leaving = side.connect()
        assert leaving.select("INBOX")[0] == "OK"
        name = side.seq_names[1]
        status, text, _ = side.raw(f"UID STORE {side.uids[name]} +FLAGS.SILENT (\\Deleted)")
        assert status == b"OK", text
        status, text, _ = side.raw("EXPUNGE")
        assert status == b"OK", text
        side.learn(BY_KEY)
        first = side.uids[side.seq_names[1]]
        status, text, _ = side.raw(f"UID STORE {first} +FLAGS.SILENT ($Bye)")
        assert status == b"OK", text
        try:
            status, text, untagged = side.raw("LOGOUT", leaving)
        finally:
            leaving.shutdown()
        assert status == b"OK", text
        got.append([line.split(b" ")[:2] for line in untagged])
    assert got[1] == [[b"*", b"BYE"]], "Dovecot"
    assert got[0] == got[1]


def test_unselect_keeps_deleted_messages(sides: Sides) -> None:
    """RFC 3691: UNSELECT leaves the selected state without expunging (unlike CLOSE)
    and without untagged answers; with nothing selected it is BAD, as in Dovecot."""
    got = []
    for side in sides:
        client = side.connect()
        try:
            assert client.select("INBOX")[0] == "OK"
            exists = int(client.response("EXISTS")[1][0])
            uid = side.uids[side.seq_names[1]]
            status, text, _ = side.raw(f"UID STORE {uid} +FLAGS.SILENT (\\Deleted)", client)
            assert status == b"OK", text
            answers = [side.raw("UNSELECT", client)[::2]]
            answers.append(side.raw("FETCH 1 FLAGS", client)[::2])
            answers.append(side.raw("UNSELECT", client)[::2])
            assert client.select("INBOX")[0] == "OK"
            gained = int(client.response("EXISTS")[1][0]) - exists
            status, text, _ = side.raw(f"UID STORE {uid} -FLAGS.SILENT (\\Deleted)", client)
            assert status == b"OK", text
            got.append((answers, gained))
        finally:
            client.logout()
    assert got[1] == ([(b"OK", []), (b"BAD", []), (b"BAD", [])], 0), "Dovecot"
    assert got[0] == got[1]


def test_literal_plus_has_no_4096_byte_cap(sides: Sides) -> None:
    """RFC 7888: LITERAL+ takes non-synchronizing literals of any size; LITERAL-
    (the 4096-byte cap) is not advertised next to it, as in Dovecot."""
    got = []
    for side in sides:
        _, _, caps = side.raw("CAPABILITY")
        words = caps[0].split()
        status, _, _ = side.raw("SEARCH SUBJECT {5000+}\r\n" + "x" * 5000)
        got.append((b"LITERAL+" in words, b"LITERAL-" in words, status))
    assert got == [(True, False, b"OK")] * 2  # pmemail, Dovecot
