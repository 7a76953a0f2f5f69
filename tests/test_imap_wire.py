"""Pure tests of the IMAP wire layer: command parser, serializer, MIME, mUTF-7."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore import mime
from mailcore.imap import structure
from mailcore.imap.commands import CommandError, parse_command
from mailcore.imap.grammar import FetchItem, SearchKey, Section, SeqSet
from mailcore.imap.lexer import ParseError
from mailcore.imap.response import Atom, Literal, render, tagged
from mailcore.mailstore.names import FolderNameError, mutf7_decode, mutf7_encode


def test_login_with_quoted_and_literal() -> None:
    """Atoms, quoted strings (with escapes) and literals all give astrings."""
    cmd = parse_command(b'a1 LOGIN "al\\"ice" {3}\r\npw!')
    assert (cmd.tag, cmd.name, cmd.user, cmd.password) == ("a1", "LOGIN", b'al"ice', b"pw!")
    cmd = parse_command(b"a1 login alice {3+}\r\npw!")
    assert cmd.password == b"pw!"


def test_uid_fetch_items() -> None:
    """Sections, partials, macros and PEEK are parsed exactly."""
    cmd = parse_command(
        b"t UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100>"
        b" BODY[] RFC822.SIZE)"
    )
    assert cmd.uid and cmd.name == "FETCH"
    assert cmd.seqset == SeqSet(((1, None), (7, 7)))
    assert cmd.fetch == [
        FetchItem("FLAGS"),
        FetchItem("BODY.PEEK", Section((1, 2), "HEADER.FIELDS", ("FROM", "TO")), (0, 100)),
        FetchItem("BODY", Section()),
        FetchItem("RFC822.SIZE"),
    ]
    assert parse_command(b"t FETCH 1 ALL").fetch == [
        FetchItem(n) for n in ("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE")
    ]


def test_seqset_resolution() -> None:
    """``*`` is the largest value and reversed ranges are allowed."""
    s = parse_command(b"t FETCH 5:2,* FLAGS").seqset
    assert s is not None
    assert s.resolve([1, 2, 3, 4, 5, 9], 9) == [2, 3, 4, 5, 9]


def test_store_and_search() -> None:
    """STORE modes and a nested SEARCH program."""
    cmd = parse_command(b"t STORE 1 -FLAGS.SILENT (\\Seen $Work)")
    assert (cmd.store_mode, cmd.silent, cmd.flags) == ("remove", True, ["\\Seen", "$Work"])
    cmd = parse_command(b"t SEARCH CHARSET UTF-8 OR (FROM bob UNSEEN) NOT SINCE 1-Feb-2024 2:4")
    assert cmd.charset == "UTF-8" and cmd.search is not None
    first = cmd.search.args[0]
    assert cmd.search.op == "AND" and isinstance(first, SearchKey) and first.op == "OR"


def test_append_with_flags_and_date() -> None:
    """APPEND mailbox (flags) "date" literal."""
    cmd = parse_command(b'a APPEND Sent (\\Seen) "05-Feb-2024 10:11:12 +0100" {5}\r\nHello')
    [msg] = cmd.messages
    assert cmd.mailbox == "Sent" and msg.flags == ["\\Seen"] and msg.data == b"Hello"
    assert msg.date is not None and msg.date.utcoffset() is not None


@pytest.mark.parametrize(
    "line, message",
    [
        (b"a1 FETCH 1 (FLAGS", "unterminated"),
        (b"a1 FETCH 0 FLAGS", "out of range"),
        (b"a1 FETCH 1 BODY[1.X]", "bad section"),
        (b"a1 STORE 1 FLAGZ (\\Seen)", "bad store item"),
        (b"a1 SEARCH FOO", "unknown search key"),
        (b"a1 LOGIN a", "missing argument"),
        (b"a1 LOGIN {5}\r\nab", "literal shorter"),
        (b"a1 STATUS INBOX (FOO)", "bad STATUS item"),
        (b"a1 NOOP extra", "unexpected extra"),
        (b"a1 SEARCH " + b"NOT " * 100 + b"ALL", "too deeply nested"),
    ],
)
def test_errors_keep_the_tag(line: bytes, message: str) -> None:
    """Every grammar error names the problem and keeps the tag for a tagged BAD."""
    with pytest.raises(CommandError, match=message) as info:
        parse_command(line)
    assert info.value.tag == "a1"


def test_untagged_garbage() -> None:
    """No tag at all: a plain ParseError (answered with ``* BAD``)."""
    with pytest.raises(ParseError):
        parse_command(b"+ FOO")


def test_serializer() -> None:
    """Quoted where safe, literal otherwise; NIL, numbers, atoms and lists."""
    assert (
        render(['a"b', None, 5, Atom("\\Seen"), b"x\r\ny", Literal(b"z")])
        == b'("a\\"b" NIL 5 \\Seen {4}\r\nx\r\ny {1}\r\nz)'
    )
    assert render("caf\u00e9") == b"{5}\r\ncaf\xc3\xa9"
    assert tagged("a1", "NO", "bad\r\nthing", "CANNOT") == b"a1 NO [CANNOT] bad??thing\r\n"


def test_mutf7_round_trip() -> None:
    """RFC 3501 examples and round trips."""
    assert (
        mutf7_encode("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e")
        == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    )
    assert mutf7_decode("&U,BTFw-") == "\u53f0\u5317"
    assert mutf7_encode("A&B") == "A&-B"
    with pytest.raises(FolderNameError):
        mutf7_decode("&Jjo")


@given(st.text(max_size=30))
def test_mutf7_property(name: str) -> None:
    """Encoding then decoding gives the name back, and the encoding is ASCII."""
    encoded = mutf7_encode(name)
    assert encoded.isascii() and mutf7_decode(encoded) == name


MESSAGE = (
    b"From: a@b.example\r\nSubject: t\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"preamble\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\n"
    b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--XX--\r\n"
)


def test_mime_sections() -> None:
    """Part numbering across multipart and message/rfc822, exact bytes."""
    root = mime.parse_bytes(MESSAGE)
    f = io.BytesIO(MESSAGE)
    assert structure.section_bytes(f, root, Section((1,))) == b"hello"
    assert (
        structure.section_bytes(f, root, Section((1,), "MIME"))
        == b"Content-Type: text/plain\r\n\r\n"
    )
    assert structure.section_bytes(f, root, Section((2,), "HEADER")) == b"Subject: inner\r\n\r\n"
    assert structure.section_bytes(f, root, Section((2,), "TEXT")) == b"inner body"
    assert (
        structure.section_bytes(f, root, Section((), "HEADER.FIELDS", ("SUBJECT",)))
        == b"Subject: t\r\n\r\n"
    )
    assert structure.section_bytes(f, root, Section((3,))) == b""
    body = structure.body_structure(root, extended=False)
    assert body[-1] == "mixed" and body[0] == [
        "text",
        "plain",
        ["charset", "us-ascii"],
        None,
        None,
        "7bit",
        5,
        0,
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_parser_never_crashes(data: bytes) -> None:
    """Arbitrary input gives a Command or a ParseError, nothing else."""
    try:
        parse_command(data)
    except ParseError:
        pass


_TOKENS = st.sampled_from(
    [
        b"a1",
        b" ",
        b"FETCH",
        b"UID",
        b"1:*",
        b"(",
        b")",
        b"BODY[",
        b"]",
        b"<0.5>",
        b'"',
        b"{3}\r\n",
        b"{2+}\r\n",
        b"SEARCH",
        b"OR",
        b"NOT",
        b"\\Seen",
        b"STORE",
        b"+FLAGS",
        b"APPEND",
        b"INBOX",
        b"HEADER.FIELDS",
        b"1.2",
        b"*",
        b",",
        b"LOGIN",
        b"xyz",
        b"NIL",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_TOKENS, max_size=25))
def test_fuzz_parser_grammar_shaped(tokens: list[bytes]) -> None:
    """Grammar-shaped garbage: never an exception other than ParseError, never a hang."""
    try:
        parse_command(b"".join(tokens))
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_mime_never_crashes(data: bytes) -> None:
    """Any bytes parse into some MIME tree with a renderable structure."""
    root = mime.parse_bytes(b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + data)
    render(structure.body_structure(root, True))
    render(structure.envelope(root))
