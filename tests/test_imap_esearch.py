"""ESEARCH (RFC 4731) and MULTIAPPEND (RFC 3502), from the RFC texts: the answer
builder, the parser, the reader's spooling of several messages, the store's
all-or-nothing append, and a live transcript. Dovecot's answers are compared in
``test_imapdiff_esearch``."""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.imap.commands import CommandError, parse_command, parse_datetime
from mailcore.imap.esearch import esearch_line
from mailcore.imap.reader import CommandReader
from mailcore.imap.response import sequence_set
from mailcore.mailstore import MailStore
from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread
from tests.test_imap_session import Wire


def test_sequence_set_joins_runs() -> None:
    """RFC 4731 3.1 example ``ALL 2,10:11``; the order is kept (UIDPLUS pairs sets)."""
    assert sequence_set([2, 10, 11]) == "2,10:11"
    assert sequence_set([1, 2, 3, 5]) == "1:3,5"
    assert sequence_set([7]) == "7"
    assert sequence_set([5, 1, 2]) == "5,1:2"
    assert sequence_set([]) == ""


@pytest.mark.parametrize(
    "tag, uid, options, found, line",
    [  # the examples of RFC 4731 3.1, then the no-match rules of the same section
        ("A282", False, ["MIN", "COUNT"], [2, 10, 11], "MIN 2 COUNT 3"),
        ("A283", False, [], [2, 10, 11], "ALL 2,10:11"),
        ("A284", False, ["MIN"], [4, 9], "MIN 4"),
        ("A285", True, ["MIN", "MAX"], [7, 50, 3800], "UID MIN 7 MAX 3800"),
        ("A286", False, ["COUNT"], list(range(1, 16)), "COUNT 15"),
        ("A287", False, ["MIN", "MAX", "ALL"], [], ""),
        ("A288", True, ["ALL", "COUNT", "MIN"], [], "UID COUNT 0"),
        ("A289", False, ["COUNT", "ALL", "MAX", "MIN"], [1, 2], "MIN 1 MAX 2 ALL 1:2 COUNT 2"),
    ],
)
def test_esearch_line(tag: str, uid: bool, options: list[str], found: list[int], line: str) -> None:
    """``* ESEARCH (TAG "t") [UID] ...``; no MIN/MAX/ALL when nothing matched, but the
    line (and COUNT 0) all the same."""
    expected = f'* ESEARCH (TAG "{tag}"){" " if line else ""}{line}\r\n'.encode()
    assert esearch_line(tag, uid, options, found) == expected


def test_esearch_modseq() -> None:
    """RFC 4731 3.2: MODSEQ is the highest mod-sequence of the messages reported:
    of MIN/MAX alone when only they were asked for, of all matches for ALL/COUNT;
    none when nothing matched."""
    modseq = {1: 50, 2: 10, 3: 20}.__getitem__
    assert esearch_line("a", False, ["MIN"], [2, 3], modseq) == (
        b'* ESEARCH (TAG "a") MIN 2 MODSEQ 10\r\n'
    )
    assert esearch_line("a", False, ["MIN", "MAX"], [1, 2, 3], modseq).endswith(
        b"MIN 1 MAX 3 MODSEQ 50\r\n"
    )
    assert esearch_line("a", False, ["MAX"], [1, 2, 3], modseq).endswith(b"MODSEQ 20\r\n")
    assert esearch_line("a", False, ["COUNT"], [2, 3, 1], modseq).endswith(b"MODSEQ 50\r\n")
    assert esearch_line("a", False, ["COUNT"], [], modseq) == b'* ESEARCH (TAG "a") COUNT 0\r\n'


def test_parse_search_return() -> None:
    """RFC 4731 3.1 / RFC 4466 2.6.1: RETURN (options) comes before CHARSET; ()
    is allowed; an unknown option (SAVE: SEARCHRES is not offered) is BAD."""
    assert parse_command(b"a SEARCH ALL").search_return is None
    assert parse_command(b"a SEARCH RETURN () ALL").search_return == []
    cmd = parse_command(b"a UID SEARCH return (min Count) CHARSET UTF-8 SUBJECT x")
    assert cmd.uid and cmd.search_return == ["MIN", "COUNT"] and cmd.charset == "UTF-8"
    for bad in (
        b"a SEARCH RETURN (SAVE) ALL",
        b"a SEARCH RETURN (FOO) ALL",
        b"a SEARCH RETURN ALL ALL",
        b"a SEARCH CHARSET UTF-8 RETURN (MIN) ALL",
        b"a SEARCH RETURN (MIN)",
    ):
        with pytest.raises(CommandError):
            parse_command(bad)


def test_parse_multiappend() -> None:
    """RFC 3502 6.3.11: ``append-data`` repeated, each with its own flags and date."""
    cmd = parse_command(
        b'a APPEND Sent (\\Seen) {2}\r\nab "05-Feb-2024 10:11:12 +0100" {1}\r\nc'
        b" (\\Draft $x) {1}\r\nd"
    )
    assert [(m.flags, m.date is not None, m.data) for m in cmd.messages] == [
        (["\\Seen"], False, b"ab"),
        ([], True, b"c"),
        (["\\Draft", "$x"], False, b"d"),
    ]
    for bad in (b"a APPEND Sent", b"a APPEND Sent {1}\r\nx ", b"a APPEND Sent {1}\r\nx  {1}\r\ny"):
        with pytest.raises(CommandError):
            parse_command(bad)


def test_reader_spools_multiappend_beyond_threshold(tmp_path: Path) -> None:
    """Several messages of one APPEND held in memory stay under the spool threshold
    together: the ones that would bring them past it go to spool files."""

    async def read() -> tuple[bytes, list[bytes]]:
        stream = asyncio.StreamReader()
        stream.feed_data(b"a APPEND INBOX {8+}\r\n12345678 {8+}\r\nabcdefgh {8+}\r\nABCDEFGH\r\n")
        stream.feed_eof()

        async def cont(line: bytes) -> None:
            raise AssertionError("LITERAL+ needs no continuation")

        reader = CommandReader(stream, cont, 1000, 1000, tmp_path, spool_threshold=10)
        raw = await reader.read_command()
        assert raw is not None
        spooled = [p.read_bytes() for _, p in sorted(raw.spooled.items())]
        cmd = parse_command(raw.data, raw.spooled)
        raw.discard()
        assert [m.data for m in cmd.messages] == [b"12345678", b"", b""]
        return raw.data, spooled

    data, spooled = asyncio.run(read())
    assert spooled == [b"abcdefgh", b"ABCDEFGH"]
    assert b"12345678" in data and b"abcdefgh" not in data
    assert list(tmp_path.iterdir()) == []  # discarded


def test_append_all_is_all_or_nothing(tmp_path: Path) -> None:
    """RFC 3502: if one message cannot be stored, none is (and no tmp/ file stays)."""

    async def go() -> None:
        folder = MailStore(tmp_path).mailbox("u@example.be").folder("INBOX")
        source = tmp_path / "m.eml"
        source.write_bytes(b"Subject: a\r\n\r\nx\r\n")
        with pytest.raises(OSError):
            await folder.append_all(
                [(b"Subject: b\r\n\r\ny\r\n", [], None), (tmp_path / "missing", [], None)]
            )
        assert folder.by_uid == {}
        assert list((folder.path / "tmp").iterdir()) == []
        assert list((folder.path / "cur").iterdir()) == []
        uids = await folder.append_all(
            [(source, ["\\Seen"], None), (b"Subject: c\r\n\r\n", [], 5.0)]
        )
        assert uids == sorted(folder.by_uid) and len(uids) == 2

    asyncio.run(go())


@pytest.fixture()
def wire(tmp_path: Path) -> Iterator[Wire]:
    """A logged-in raw connection to a fresh server."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    with Wire(srv.port) as w:
        w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")
        yield w
    srv.stop()


def test_live_multiappend_and_esearch(wire: Wire) -> None:
    """Both advertised; three messages in one APPEND (APPENDUID with the set 1:3),
    then SEARCH RETURN over them; a MULTIAPPEND with an empty message stores none."""
    w = wire
    [caps, _] = w.ask(b"c CAPABILITY\r\n", b"c")
    assert {b"ESEARCH", b"MULTIAPPEND"} <= set(caps.split())
    answer = w.ask(
        b"d APPEND INBOX (\\Flagged) {11+}\r\nSubject: a\n (\\Seen) {11+}\r\nSubject: b\n"
        b" (\\Flagged \\Seen) {11+}\r\nSubject: c\n\r\n",
        b"d",
    )
    assert answer[-1].startswith(b"d OK [APPENDUID ") and b" 1:3] " in answer[-1]
    bad = w.ask(b"e APPEND INBOX {11+}\r\nSubject: d\n {0+}\r\n\r\n", b"e")
    assert bad[-1].startswith(b"e NO ")
    w.ask(b"f SELECT INBOX\r\n", b"f")
    assert w.ask(b"g SEARCH RETURN (MIN MAX ALL COUNT) FLAGGED\r\n", b"g") == [
        b'* ESEARCH (TAG "g") MIN 1 MAX 3 ALL 1,3 COUNT 2\r\n',
        b"g OK SEARCH completed\r\n",
    ]
    assert w.ask(b"h UID SEARCH RETURN () SEEN\r\n", b"h") == [
        b'* ESEARCH (TAG "h") UID ALL 2:3\r\n',
        b"h OK UID SEARCH completed\r\n",
    ]
    assert w.ask(b"i SEARCH RETURN (MIN) DELETED\r\n", b"i") == [
        b'* ESEARCH (TAG "i")\r\n',
        b"i OK SEARCH completed\r\n",
    ]
    [line, ok] = w.ask(b"j SEARCH RETURN (MIN COUNT) MODSEQ 1\r\n", b"j")
    assert line.startswith(b'* ESEARCH (TAG "j") MIN 1 COUNT 3 MODSEQ ') and b"OK" in ok
    assert w.ask(b"k SEARCH SEEN\r\n", b"k")[0] == b"* SEARCH 2 3\r\n"  # no RETURN: SEARCH


@pytest.fixture()
def small(tmp_path: Path) -> Iterator[ServerThread]:
    """A server with a 100 kB message limit and a 4 kB in-memory APPEND threshold."""
    config = make_config(tmp_path, IMAP, {"mail": {"max_message_size": 100_000}}).config
    srv = ServerThread(config).start()
    assert srv.service is not None
    srv.service.settings.spool_threshold = 4096
    yield srv
    srv.stop()


_FETCHED = re.compile(
    rb'^\* \d+ FETCH \(FLAGS \(([^)]*)\) RFC822\.SIZE (\d+) INTERNALDATE "([^"]+)"\)'
)


def _message(n: int, size: int) -> bytes:
    head = f"Subject: m{n}\r\n\r\n".encode()
    return head + b"x" * (size - len(head))


def test_synchronizing_multiappend_spooled(small: ServerThread) -> None:
    """RFC 3502 6.3.11 as its example runs it: a ``+`` before each literal. Messages
    over the threshold are spooled (3 x 60 kB: each under the 100 kB limit, together
    over it, which is allowed); a second message over the limit gets NO [TOOBIG]
    instead of ``+``, and then none is stored and no spool file stays."""
    with Wire(small.port) as w:
        w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")
        messages = [_message(n, 60_000) for n in range(3)]
        w.f.write(b"b APPEND INBOX (\\Seen) {60000}\r\n")
        for n, msg in enumerate(messages):
            w.f.flush()
            assert w.f.readline().startswith(b"+ ")
            tail = b"\r\n" if n == 2 else b' (\\Flagged) " 1-Jul-1996 09:01:07 +1000" {60000}\r\n'
            w.f.write(msg + tail)
        w.f.flush()
        assert re.match(rb"b OK \[APPENDUID \d+ 1:3\] ", w.f.readline())
        w.f.write(b"c APPEND INBOX {60000}\r\n")
        w.f.flush()
        assert w.f.readline().startswith(b"+ ")
        w.f.write(messages[0] + b" {200000}\r\n")
        w.f.flush()
        assert w.f.readline().startswith(b"c NO [TOOBIG]")
        status = w.ask(b"d STATUS INBOX (MESSAGES)\r\n", b"d")
        assert status[0] == b"* STATUS INBOX (MESSAGES 3)\r\n"
        w.ask(b"e SELECT INBOX\r\n", b"e")
        fetched = w.ask(b"f FETCH 1:* (FLAGS RFC822.SIZE INTERNALDATE)\r\n", b"f")
        got = [_FETCHED.match(line) for line in fetched[:3]]
        assert [(set(m[1].split()), int(m[2])) for m in got if m] == [
            ({b"\\Seen", b"\\Recent"}, 60_000),
            ({b"\\Flagged", b"\\Recent"}, 60_000),
            ({b"\\Flagged", b"\\Recent"}, 60_000),
        ]
        dates = [parse_datetime(m[3]) if m else None for m in got[1:]]
        assert dates == [datetime.datetime(1996, 6, 30, 23, 1, 7, tzinfo=datetime.UTC)] * 2
    spool = small.paths.root / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []
