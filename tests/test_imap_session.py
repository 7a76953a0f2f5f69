"""Byte-exact transcripts of the session state machine, and fuzzing of a live session."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Iterator
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message


class Wire:
    """A raw client: write lines, read lines (for byte-exact assertions)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f: BinaryIO = self.sock.makefile("rwb")  # type: ignore[assignment]
        self.greeting = self.f.readline()

    def ask(self, line: bytes, tag: bytes) -> list[bytes]:
        """Send ``line``; every response line up to and including the tagged one."""
        self.f.write(line)
        self.f.flush()
        out = []
        while True:
            got = self.f.readline()
            if not got:
                raise ConnectionError(f"server closed the connection after {line!r}")
            out.append(got)
            if got.startswith(tag + b" "):
                return out

    def close(self) -> None:
        """Close the socket."""
        self.f.close()
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module, with two messages in INBOX."""
    srv = ServerThread(make_config(tmp_path_factory.mktemp("session"), IMAP).config).start()
    assert srv.service is not None
    store = srv.service.settings.store

    async def fill() -> None:  # in the server's loop thread, which owns the store
        folder = store.mailbox(USER).folder("INBOX")
        folder.append(sample_message("one"), ["\\Seen"], 1_700_000_000.0)
        folder.append(sample_message("two"), [], 1_700_000_000.0)

    asyncio.run_coroutine_threadsafe(fill(), srv.loop).result(10)
    yield srv
    srv.stop()


@pytest.fixture()
def wire(server: ServerThread) -> Iterator[Wire]:
    """A raw connection, closed even when the test fails."""
    with Wire(server.port) as w:
        yield w


def test_select_transcript(server: ServerThread, wire: Wire) -> None:
    """SELECT answers exactly what RFC 3501 lists, in order."""
    w = wire
    assert w.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    assert w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")[-1].startswith(
        b"a OK [CAPABILITY IMAP4rev1 "
    )
    answer = w.ask(b"b EXAMINE INBOX\r\n", b"b")
    uidvalidity = int(answer[5].split()[3].rstrip(b"]"))
    assert answer == [
        b"* FLAGS (\\Answered \\Deleted \\Draft \\Flagged \\Seen)\r\n",
        b"* OK [PERMANENTFLAGS ()] flags permitted\r\n",
        b"* 2 EXISTS\r\n",
        b"* 2 RECENT\r\n",  # appended before any session selected INBOX
        b"* OK [UNSEEN 2] first unseen\r\n",
        b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % uidvalidity,
        b"* OK [UIDNEXT 3] predicted next UID\r\n",
        b"* OK [HIGHESTMODSEQ 3] highest\r\n",
        b"b OK [READ-ONLY] EXAMINE completed\r\n",
    ]
    assert w.ask(b"c UID FETCH 2 (UID FLAGS RFC822.SIZE)\r\n", b"c") == [
        b"* 2 FETCH (UID 2 FLAGS (\\Recent) RFC822.SIZE 139)\r\n",
        b"c OK UID FETCH completed\r\n",
    ]
    assert w.ask(b"d STORE 1 +FLAGS (\\Seen)\r\n", b"d") == [b"d NO mailbox is read-only\r\n"]
    assert w.ask(b"e LOGOUT\r\n", b"e") == [b"* BYE logging out\r\n", b"e OK LOGOUT completed\r\n"]
    w.close()


_WORDS = st.sampled_from(
    [
        "FETCH",
        "UID",
        "STORE",
        "SEARCH",
        "COPY",
        "MOVE",
        "EXPUNGE",
        "SELECT",
        "EXAMINE",
        "LIST",
        "LSUB",
        "STATUS",
        "CREATE",
        "NOOP",
        "CHECK",
        "CAPABILITY",
        "NAMESPACE",
        "ENABLE",
        "ID",
        "1",
        "1:*",
        "*",
        "2,1",
        "0",
        "4294967296",
        "(",
        ")",
        "[",
        "]",
        "BODY[1.2]",
        "BODY.PEEK[]",
        "<0.5>",
        "FLAGS",
        "+FLAGS.SILENT",
        "\\Seen",
        "\\Bogus",
        "INBOX",
        "Trash",
        "&Jjo",
        '""',
        '"a\\"b"',
        "NIL",
        "OR",
        "NOT",
        "ALL",
        "HEADER",
        "CHARSET",
        "KOI8",
        "%",
        "&AOk-",
        "RETURN",
        "(SPECIAL-USE)",
        "MESSAGES",
        "\x00",
        "\u00e9",
        " ",
        "  ",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_WORDS, min_size=0, max_size=12))
def test_fuzz_live_session(server: ServerThread, words: list[str]) -> None:
    """Random commands in the selected state: always a tagged answer, connection kept."""
    w = Wire(server.port)
    try:
        w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")
        w.ask(b"b SELECT INBOX\r\n", b"b")
        line = " ".join(words).encode("utf-8")
        answer = w.ask(b"z " + line + b"\r\n", b"z")
        assert answer[-1].split(b" ")[1] in (b"OK", b"NO", b"BAD")
        assert w.ask(b"y NOOP\r\n", b"y")[-1] == b"y OK NOOP completed\r\n"
    finally:
        w.close()


def test_many_tags_one_connection(wire: Wire) -> None:
    """Unknown commands, wrong states and garbage never close the connection."""
    w = wire
    tags = (f"t{i}".encode() for i in itertools.count())
    for line in [
        b"FETCH 1 FLAGS",
        b"LOGIN",
        b"UID FROB",
        b"SELECT",
        b"APPEND INBOX {x}",
        b"IDLE",
        b"AUTHENTICATE CRAM-MD5",
        b"\xff\xfe",
        b'LIST "" "*"',
    ]:
        tag = next(tags)
        assert w.ask(tag + b" " + line + b"\r\n", tag)[-1].split(b" ")[1] in (b"BAD", b"NO")
    w.close()


def test_condstore_transcript(wire: Wire) -> None:
    """CONDSTORE: HIGHESTMODSEQ, FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ."""
    w = wire
    w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")
    assert w.ask(b"b ENABLE CONDSTORE\r\n", b"b") == [
        b"* ENABLED CONDSTORE\r\n",
        b"b OK ENABLE completed\r\n",
    ]
    # the first session to select a message takes its \Recent (RFC 3501 2.3.2): take
    # it here, so the transcript is the same whether or not another test ran first
    w.ask(b"c0 SELECT INBOX\r\n", b"c0")
    w.ask(b"c1 UNSELECT\r\n", b"c1")
    answer = w.ask(b"c SELECT INBOX\r\n", b"c")
    (line,) = [x for x in answer if b"HIGHESTMODSEQ" in x]
    highest = int(line.split()[3].rstrip(b"]"))
    answer = w.ask(b"d UID STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)\r\n" % highest, b"d")
    assert answer == [
        b"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen) MODSEQ (%d))\r\n" % (highest + 1),
        b"d OK UID STORE completed\r\n",
    ]
    answer = w.ask(b"e UID STORE 1 (UNCHANGEDSINCE %d) -FLAGS (\\Flagged)\r\n" % highest, b"e")
    assert answer == [b"e OK [MODIFIED 1] UID STORE completed\r\n"]
    assert w.ask(b"f UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)\r\n" % highest, b"f") == [
        b"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen) MODSEQ (%d))\r\n" % (highest + 1),
        b"f OK UID FETCH completed\r\n",
    ]
    assert w.ask(b"g SEARCH MODSEQ %d\r\n" % (highest + 1), b"g") == [
        b"* SEARCH 1 (MODSEQ %d)\r\n" % (highest + 1),
        b"g OK SEARCH completed\r\n",
    ]
    w.ask(b"h STORE 1 -FLAGS.SILENT (\\Flagged)\r\n", b"h")
    w.close()
