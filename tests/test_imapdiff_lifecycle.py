"""Differential tests of long sessions on one server, pmemail vs Dovecot.

A mailbox deleted and re-created under the same name, mailboxes created in a
burst, and a keyword one session defines while others have the mailbox
selected: both servers must hand out a new, larger UIDVALIDITY every time and
the new content (RFC 3501 2.3.1.1), and announce the keyword with FLAGS and
PERMANENTFLAGS before the FETCH that carries it (RFC 3501 7.2.6). Setup:
``test_imapdiff_harness``.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.test_imapdiff_harness import NAMES, SKIP_WITHOUT_DOVECOT, Side, open_sides

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FLAGS = re.compile(rb"^\* FLAGS \(([^)]*)\)$")
_PERMANENT = re.compile(rb"^\* OK \[PERMANENTFLAGS \(([^)]*)\)\]")
_FETCH = re.compile(rb"^\* \d+ FETCH ")


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sides]:
    """Fresh servers over the delivered corpus: this module changes them."""
    with open_sides(tmp_path_factory.mktemp("imapdiff-lifecycle")) as pair:
        yield pair


@pytest.fixture
def extra(sides: Sides) -> Iterator[list[imaplib.IMAP4]]:
    """A second session per server, nothing selected."""
    clients = [side.connect() for side in sides]
    yield clients
    for client in clients:
        client.logout()


def _message(subject: str) -> bytes:
    return (
        f"From: Cycle <cycle@example.org>\r\nTo: office@example.be\r\nSubject: {subject}\r\n"
        f"Date: Wed, 3 May 2023 10:00:00 +0000\r\nMessage-ID: <{subject}@example.org>\r\n"
        f"\r\n{subject} body\r\n"
    ).encode()


def _uidvalidity(client: imaplib.IMAP4, name: str) -> int:
    typ, data = client.status(name, "(UIDVALIDITY)")
    assert typ == "OK", data
    raw = data[0]
    assert isinstance(raw, bytes), data
    found = _UIDVALIDITY.search(raw)
    assert found, data
    return int(found[1])


def _subjects(client: imaplib.IMAP4) -> list[str]:
    typ, data = client.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK", data
    return [
        part[1].decode().strip().removeprefix("Subject: ")
        for part in data
        if isinstance(part, tuple)
    ]


def test_delete_recreate_append_cycles(sides: Sides, extra: list[imaplib.IMAP4]) -> None:
    """Four DELETE/CREATE/APPEND rounds in quick succession: each round a larger
    UIDVALIDITY and exactly the round's own message, on both servers."""
    got = []
    for client in extra:
        values, seen = [], []
        for round_ in range(4):
            assert client.create("Cycle")[0] == "OK"
            assert client.append("Cycle", None, None, _message(f"round {round_}"))[0] == "OK"
            values.append(_uidvalidity(client, "Cycle"))
            assert client.select("Cycle")[0] == "OK"
            seen.append(_subjects(client))
            assert client.close()[0] == "OK"
            assert client.delete("Cycle")[0] == "OK"
        assert values == sorted(set(values)), values
        got.append(seen)
    assert got[0] == got[1] == [[f"round {n}"] for n in range(4)]


def test_mailboxes_created_in_a_burst(sides: Sides, extra: list[imaplib.IMAP4]) -> None:
    """Ten CREATEs at once: distinct values, increasing in creation order, on both."""
    for client in extra:
        values = []
        for i in range(10):
            assert client.create(f"Burst{i}")[0] == "OK"
            values.append(_uidvalidity(client, f"Burst{i}"))
        assert values == sorted(set(values)), values
        for i in range(10):
            assert client.delete(f"Burst{i}")[0] == "OK"


def _flag_shape(untagged: list[bytes], keyword: bytes) -> list[Any]:
    """What the answer tells of ``keyword``, in order (server wording left out)."""
    out: list[Any] = []
    for line in untagged:
        if m := _FLAGS.match(line):
            out.append(("FLAGS", keyword in m[1].split()))
        elif m := _PERMANENT.match(line):
            out.append(("PERMANENTFLAGS", keyword in m[1].split(), b"\\*" in m[1].split()))
        elif _FETCH.match(line):
            out.append(("FETCH", keyword in line))
    return out


def test_new_keyword_is_announced(sides: Sides, extra: list[imaplib.IMAP4]) -> None:
    """STORE of a new keyword: FLAGS and PERMANENTFLAGS (with it and \\*) come before
    the FETCH in the storing session, and at the next NOOP of another session that
    has the mailbox selected; a second NOOP tells nothing more."""
    got = []
    for side, other in zip(sides, extra, strict=True):
        assert other.select("INBOX")[0] == "OK"
        uid = side.uids[NAMES[0]]
        status, text, mine = side.raw(f"UID STORE {uid} +FLAGS ($Lifecycle)")
        assert status == b"OK", text
        status, text, theirs = side.raw("NOOP", other)
        assert status == b"OK", text
        status, text, again = side.raw("NOOP", other)
        assert status == b"OK", text
        got.append([_flag_shape(x, b"$Lifecycle") for x in (mine, theirs, again)])
    assert got[0] == got[1]
    announced = [("FLAGS", True), ("PERMANENTFLAGS", True, True), ("FETCH", True)]
    assert got[0] == [announced, announced, []]
