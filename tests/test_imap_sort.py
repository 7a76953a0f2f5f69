"""SORT (RFC 5256) and SORT=DISPLAY (RFC 5957) from the RFC text: the base subject of
section 2.1, the criteria grammar of section 4, ties and REVERSE of section 3, and the
command over real IMAP (UID SORT, BADCHARSET, state, MODSEQ)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailcore.imap.commands import CommandError, parse_command
from mailcore.imap.sort import base_subject, collate
from tests.config_factory import make_config
from tests.imap_support import IMAP, ServerThread, sample_message


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Hello", "Hello"),
        # (1) tabs and continuations to space, runs of spaces to one
        ("a\t \r\n  b", "a b"),
        # (2) trailing subj-trailer: "(fwd)" and white space, repeatedly
        ("meeting (fwd)  (FWD) ", "meeting"),
        # (3) subj-leader: *subj-blob subj-refwd, or white space; all of them
        ("Re: Fwd: FW: re : hi", "hi"),
        ("Re[2]: hi", "hi"),
        ("[list] Re: [tag] fwd: hi", "hi"),
        ("Ref: hi", "Ref: hi"),  # "Re" then "f": not a subj-refwd
        # (4) a leading subj-blob goes when something is left
        ("[PATCH] fix", "fix"),
        ("[only]", "[only]"),
        ("[a] [b]", "[b]"),
        # (6) "[fwd:" ... "]" is unwrapped and the steps start again at (2)
        ("[fwd: Re: meeting (fwd)]", "meeting"),
        ("[Fwd: [fwd: hi]]", "hi"),
        ("[fwd: unclosed", "[fwd: unclosed"),
        ("", ""),
        ("Re:", ""),
    ],
)
def test_base_subject(subject: str, base: str) -> None:
    """RFC 5256 2.1, step by step."""
    assert base_subject(subject) == base


def test_collation_is_ascii_casemap_by_upper_case() -> None:
    """i;ascii-casemap folds to upper case, so "_" sorts after letters (as Dovecot)."""
    assert collate("abc") == collate("ABC")
    assert collate("_x") > collate("zz")


def _sort(line: bytes) -> Any:
    return parse_command(line)


def test_criteria_grammar() -> None:
    """``(REVERSE DATE SUBJECT) UTF-8 <search>``; UID SORT; the charset is required."""
    cmd = _sort(b"a UID SORT (REVERSE DATE subject DISPLAYFROM) us-ascii FROM x")
    assert cmd.uid and cmd.name == "SORT"
    assert cmd.sort == [("DATE", True), ("SUBJECT", False), ("DISPLAYFROM", False)]
    assert cmd.charset == "US-ASCII"
    assert cmd.search.op == "FROM"
    for bad in [
        b"a SORT () UTF-8 ALL",
        b"a SORT (REVERSE) UTF-8 ALL",
        b"a SORT (REVERSE REVERSE DATE) UTF-8 ALL",
        b"a SORT (SUBJECT ) UTF-8 ALL",
        b"a SORT (THREAD) UTF-8 ALL",
        b"a SORT SUBJECT UTF-8 ALL",
        b"a SORT (SUBJECT) ALL",
        b"a SORT (SUBJECT) UTF-8",
    ]:
        with pytest.raises(CommandError):
            parse_command(bad)


def _message(subject: str, date: str, body: str = "x\r\n") -> bytes:
    return re.sub(
        rb"Date: [^\r]*",
        b"Date: " + date.encode(),
        sample_message(subject, body),
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Any]:
    """A logged-in client on a server whose INBOX holds four messages."""
    server = ServerThread(make_config(tmp_path, IMAP).config).start()
    c = server.connect()
    try:
        for subject, date, body in [
            ("Re: b", "Mon, 02 Jan 2023 10:00:00 +0000", "short\r\n"),
            ("a", "Mon, 02 Jan 2023 12:00:00 +0300", "longer body\r\n"),
            ("[x] B", "garbage", "x\r\n"),
            ("b (fwd)", "Mon, 02 Jan 2023 09:00:00 -0100", "longer body\r\n"),
        ]:
            assert c.append("INBOX", None, None, _message(subject, date, body))[0] == "OK"
        c.select("INBOX")
        yield c
    finally:
        c.logout()
        server.stop()


def _answer(c: Any, *args: str) -> list[int]:
    typ, data = c._simple_command(*args)
    assert typ == "OK", data
    _, lines = c._untagged_response(typ, data, "SORT")
    return [int(n) for n in lines[0].split()] if lines and lines[0] else []


def test_sort_over_imap(client: Any) -> None:
    """Exact ties stay in mailbox order, also under REVERSE (RFC 5256 3); a Date that
    cannot be parsed sorts as the INTERNALDATE (here: the newest)."""
    assert _answer(client, "SORT", "(SUBJECT)", "UTF-8", "ALL") == [2, 1, 3, 4]
    assert _answer(client, "SORT", "(REVERSE SUBJECT)", "UTF-8", "ALL") == [1, 3, 4, 2]
    assert _answer(client, "SORT", "(DATE)", "UTF-8", "ALL") == [2, 1, 4, 3]
    _, data = client.fetch("1:*", "(RFC822.SIZE)")
    sizes = [int(re.findall(rb"SIZE (\d+)", d)[0]) for d in data]
    by_size = sorted(range(1, 5), key=lambda n: (sizes[n - 1], n))
    assert _answer(client, "SORT", "(SIZE)", "UTF-8", "ALL") == by_size
    assert _answer(client, "SORT", "(SUBJECT)", "UTF-8", "NOT", "SUBJECT", "a") == [1, 3, 4]
    assert _answer(client, "SORT", "(SUBJECT)", "UTF-8", "SUBJECT", "nothing") == []
    # appended in order: ARRIVAL is mailbox order (equal times tie in that order too)
    uids = _answer(client, "UID", "SORT", "(ARRIVAL)", "US-ASCII", "ALL")
    _, data = client.uid("SEARCH", "ALL")
    assert uids == [int(u) for u in data[0].split()]


def test_empty_answers(client: Any) -> None:
    """Nothing found: ``* SORT`` and ``* THREAD`` alone (RFC 5256 4: the numbers and
    the thread lists are optional, and so is the space before them)."""
    for line in [b"SORT (DATE) UTF-8 SUBJECT none", b"THREAD REFERENCES UTF-8 SUBJECT none"]:
        tag = client._new_tag()
        client.send(tag + b" " + line + b"\r\n")
        assert client._get_line() == b"* " + line.split()[0]
        assert client._get_line().startswith(tag + b" OK")


def test_badcharset_and_modseq(client: Any) -> None:
    """An unknown charset is NO [BADCHARSET (...)] (RFC 5256 3); MODSEQ in the search adds
    the highest mod-sequence (RFC 7162 3.1.5)."""
    tag = client._new_tag()
    client.send(tag + b" SORT (DATE) X-UNKNOWN ALL\r\n")
    line = client._get_line()
    assert line.startswith(tag + b" NO [BADCHARSET (UTF-8 US-ASCII)]"), line
    typ, data = client._simple_command("SORT", "(DATE)", "UTF-8", "MODSEQ", "1")
    assert typ == "OK"
    _, lines = client._untagged_response(typ, data, "SORT")
    assert re.fullmatch(rb"2 1 4 3 \(MODSEQ \d+\)", lines[0]), lines


def test_sort_needs_a_selected_mailbox(tmp_path: Path) -> None:
    """SORT and THREAD are commands of the selected state (like SEARCH); advertised."""
    server = ServerThread(make_config(tmp_path, IMAP).config).start()
    c = server.connect()
    try:
        for cap in ["SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"]:
            assert cap in c.capabilities
        for line in [b"SORT (DATE) UTF-8 ALL", b"THREAD REFERENCES UTF-8 ALL"]:
            tag = c._new_tag()
            c.send(tag + b" " + line + b"\r\n")
            assert c._get_line().startswith(tag + b" BAD"), line
    finally:
        c.logout()
        server.stop()
