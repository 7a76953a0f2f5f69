"""A new keyword is announced with FLAGS and PERMANENTFLAGS (RFC 3501 7.2.6, 7.1).

RFC 3501 7.2.6: the FLAGS response "occurs as a result of a SELECT or EXAMINE
command", and its update "MUST be recorded by the client": a keyword that
STORE or APPEND defines in a mailbox is told to every session that has it
selected (the one that stored it included), with a new PERMANENTFLAGS, before
the tagged answer. Dovecot's answer to ``STORE 1 +FLAGS (newkw)``::

    * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft newkw)
    * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft newkw \\*)] ...
    * 1 FETCH (FLAGS (\\Recent newkw))
    a OK Store completed.

and a read-only session gets ``* OK [PERMANENTFLAGS ()]``. A keyword stays in
the list once defined, even when no message carries it any more (Dovecot too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message
from tests.test_imap_session import Wire

FOLDER = "Kw"


@pytest.fixture()
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server with two messages in folder ``Kw`` (one already carrying ``$Old``)."""
    srv = ServerThread(make_config(tmp_path_factory.mktemp("kw"), IMAP).config).start()
    assert srv.service is not None
    store = srv.service.settings.store

    async def fill() -> None:  # in the server's loop thread, which owns the store
        box = store.mailbox(USER)
        box.create(FOLDER)
        folder = box.folder(FOLDER)
        folder.append(sample_message("one"), ["$Old"])
        folder.append(sample_message("two"))

    asyncio.run_coroutine_threadsafe(fill(), srv.loop).result(10)
    yield srv
    srv.stop()


def _session(srv: ServerThread, tag: bytes, verb: str = "SELECT") -> Wire:
    w = Wire(srv.port)
    assert w.ask(tag + f' LOGIN {USER} "{PASSWORD}"\r\n'.encode(), tag)[-1].startswith(tag + b" OK")
    answer = w.ask(tag + f" {verb} {FOLDER}\r\n".encode(), tag)
    assert answer[-1].startswith(tag + b" OK"), answer
    return w


@pytest.fixture()
def sessions(server: ServerThread) -> Iterator[tuple[Wire, Wire]]:
    """Two sessions with ``Kw`` selected read-write."""
    with _session(server, b"a") as a, _session(server, b"b") as b:
        yield a, b


def _flags_lines(answer: list[bytes]) -> list[bytes]:
    return [x for x in answer if x.startswith((b"* FLAGS ", b"* OK [PERMANENTFLAGS "))]


def _announces(answer: list[bytes], keywords: str, perm: bool = True) -> None:
    """``answer`` announces exactly ``keywords`` (space separated, sorted) at once."""
    system = "\\Answered \\Deleted \\Draft \\Flagged \\Seen"
    flags = f"({system} {keywords})".encode()
    permanent = flags[:-1] + b" \\*)" if perm else b"()"
    assert _flags_lines(answer) == [
        b"* FLAGS " + flags + b"\r\n",
        b"* OK [PERMANENTFLAGS " + permanent + b"] flags permitted\r\n",
    ], answer


def test_select_lists_existing_keywords(sessions: tuple[Wire, Wire], server: ServerThread) -> None:
    """SELECT lists the keyword already in the mailbox; NOOP then repeats nothing."""
    a, _ = sessions
    with Wire(server.port) as c:
        c.ask(f'c LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"c")
        _announces(c.ask(f"c SELECT {FOLDER}\r\n".encode(), b"c"), "$Old")
    assert _flags_lines(a.ask(b"a1 NOOP\r\n", b"a1")) == []


def test_store_of_a_new_keyword_announces_flags(sessions: tuple[Wire, Wire]) -> None:
    """STORE +FLAGS (newkw): FLAGS and PERMANENTFLAGS come before the FETCH and the
    tagged OK; the other session learns them at its next NOOP, once."""
    a, b = sessions
    answer = a.ask(b"a1 STORE 2 +FLAGS (newkw)\r\n", b"a1")
    _announces(answer, "$Old newkw")
    fetch = next(i for i, x in enumerate(answer) if b" FETCH " in x)
    assert answer.index(_flags_lines(answer)[1]) < fetch < len(answer) - 1
    assert answer[-1].startswith(b"a1 OK")
    answer = b.ask(b"b1 NOOP\r\n", b"b1")
    _announces(answer, "$Old newkw")
    assert b"* 2 FETCH (UID 2 FLAGS (newkw))\r\n" in answer
    assert _flags_lines(b.ask(b"b2 NOOP\r\n", b"b2")) == []
    assert _flags_lines(a.ask(b"a2 NOOP\r\n", b"a2")) == []


def test_silent_store_and_known_keywords(sessions: tuple[Wire, Wire]) -> None:
    """.SILENT still announces a new keyword; a keyword already known announces nothing,
    and one that no message carries any more stays listed."""
    a, b = sessions
    _announces(a.ask(b"a1 STORE 1 +FLAGS.SILENT ($Quiet)\r\n", b"a1"), "$Old $Quiet")
    assert _flags_lines(a.ask(b"a2 STORE 2 +FLAGS ($Quiet $Old)\r\n", b"a2")) == []
    assert _flags_lines(a.ask(b"a3 STORE 1:2 -FLAGS ($Quiet)\r\n", b"a3")) == []
    _announces(b.ask(b"b1 NOOP\r\n", b"b1"), "$Old $Quiet")
    assert _flags_lines(b.ask(b"b2 NOOP\r\n", b"b2")) == []


def test_append_with_a_new_keyword_reaches_idle_and_read_only(server: ServerThread) -> None:
    """APPEND (fresh) into the selected mailbox: the appending session, an IDLE one and
    a read-only (EXAMINE, PERMANENTFLAGS ()) one are all told."""
    with (
        _session(server, b"a") as a,
        _session(server, b"b") as b,
        _session(server, b"r", "EXAMINE") as r,
    ):
        b.f.write(b"b1 IDLE\r\n")
        b.f.flush()
        assert b.f.readline().startswith(b"+")
        message = sample_message("three")
        a.f.write(b"a1 APPEND %s (fresh) {%d+}\r\n" % (FOLDER.encode(), len(message)))
        answer = a.ask(message + b"\r\n", b"a1")
        _announces(answer, "$Old fresh")
        assert b"* 3 EXISTS\r\n" in answer and answer[-1].startswith(b"a1 OK")
        idle: list[bytes] = []
        while not idle or not idle[-1].startswith(b"* 3 EXISTS"):
            idle.append(b.f.readline())  # the socket timeout fails a missing update
        _announces(idle, "$Old fresh")
        assert b.ask(b"DONE\r\n", b"b1")[-1].startswith(b"b1 OK")
        _announces(r.ask(b"r1 NOOP\r\n", b"r1"), "$Old fresh", perm=False)
