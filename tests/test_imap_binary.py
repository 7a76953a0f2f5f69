"""BINARY (RFC 3516): FETCH BINARY[section]<partial>, BINARY.PEEK, BINARY.SIZE, literal8
in responses, ``NO [UNKNOWN-CTE]``, and APPEND with a literal8 message.

Written from the RFC text: 4.2 "BINARY[...] Requests that the specified section be
transmitted after performing Content-Transfer-Encoding-related decoding", "<partial>
... refers to the offset within the DECODED section data", BINARY.SIZE is "the size
to expect in response to the corresponding FETCH BINARY request"; 4.3 an unknown CTE
"MUST fail the request and issue a NO response that contains the UNKNOWN-CTE extended
response code"; 4.4 APPEND "accept[s] literal8", and a mailbox that cannot store
binary content fails it with UNKNOWN-CTE.
"""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread

DATA = Path(__file__).parent / "data" / "binary"
_LITERAL = re.compile(rb"(~?)\{(\d+)\}\r\n$")


class Wire:
    """A raw IMAP client that keeps literals (and their ``~``) as the server sent them."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.sock.makefile("rwb")
        self.f.readline()
        self.n = 0
        assert self.cmd(f'LOGIN {USER} "{PASSWORD}"')[-1].startswith(b"OK")

    def cmd(self, line: str | bytes) -> list[bytes]:
        """Send a command; its response lines (literals inline), the tagged status last
        with the tag removed."""
        self.n += 1
        tag = b"t%d" % self.n
        self.f.write(tag + b" " + (line.encode() if isinstance(line, str) else line) + b"\r\n")
        self.f.flush()
        out: list[bytes] = []
        while True:
            got = self.f.readline()
            m = _LITERAL.search(got)
            while m:
                got += self.f.read(int(m.group(2)))
                more = self.f.readline()
                got += more
                m = _LITERAL.search(more)
            if got.startswith(tag + b" "):
                out.append(got[len(tag) + 1 :].rstrip(b"\r\n"))
                return out
            out.append(got)

    def append(self, message: bytes, literal8: bool = False) -> bytes:
        """APPEND to INBOX with a synchronizing literal; the tagged status."""
        self.n += 1
        tag = b"t%d" % self.n
        prefix = b"~" if literal8 else b""
        self.f.write(tag + b" APPEND INBOX %s{%d}\r\n" % (prefix, len(message)))
        self.f.flush()
        assert self.f.readline().startswith(b"+")
        self.f.write(message + b"\r\n")
        self.f.flush()
        while True:
            got = self.f.readline()
            if got.startswith(tag + b" "):
                return got[len(tag) + 1 :].rstrip(b"\r\n")

    def close(self) -> None:
        """Log out and close."""
        self.cmd("LOGOUT")
        self.f.close()
        self.sock.close()


@pytest.fixture()
def wire(tmp_path: Path) -> Iterator[Wire]:
    """A logged-in raw client with parts.eml (1), single.eml (2), unknown.eml (3)."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    w = Wire(srv.port)
    for name in ("parts.eml", "single.eml", "unknown.eml"):
        assert w.append((DATA / name).read_bytes().replace(b"\n", b"\r\n")).startswith(b"OK")
    assert w.cmd("SELECT INBOX")[-1].startswith(b"OK")
    yield w
    w.close()
    srv.stop()


def _literal(response: bytes, label: bytes) -> tuple[bytes, bytes]:
    """(``~`` or b"", the literal's bytes) of item ``label`` in a FETCH response."""
    at = response.index(label + b" ") + len(label) + 1
    m = re.compile(rb"(~?)\{(\d+)\}\r\n").match(response, at)
    assert m, response[:200]
    return m.group(1), response[m.end() : m.end() + int(m.group(2))]


def test_capability_lists_binary(wire: Wire) -> None:
    """BINARY is advertised (RFC 3516 3)."""
    assert b" BINARY" in wire.cmd("CAPABILITY")[0]


def test_base64_part_is_decoded_as_literal8(wire: Wire) -> None:
    """A base64 part comes decoded, NUL octets and all, as a literal8 (4.3)."""
    got = wire.cmd("FETCH 1 (BINARY.PEEK[2])")
    assert got[-1].startswith(b"OK")
    marker, data = _literal(got[0], b"BINARY[2]")
    assert marker == b"~"
    assert data == bytes(range(256)) * 3


def test_quoted_printable_part_is_decoded(wire: Wire) -> None:
    """Soft line breaks go, =XX become octets, hard line breaks stay CRLF."""
    marker, data = _literal(wire.cmd("FETCH 1 (BINARY.PEEK[1])")[0], b"BINARY[1]")
    assert marker == b"~"
    assert (
        data
        == (
            "Grüße, a long line that is wrapped with a soft line break here and goes on.\r\n"
            "Tab\tand equals = at the end \r\nlast line"
        ).encode()
    )


def test_identity_encodings_come_as_in_body_section(wire: Wire) -> None:
    """7bit/8bit have nothing to undo: BINARY[n] is BODY[n], in a plain literal."""
    for section in ("4", "5.1"):
        binary = wire.cmd(f"FETCH 1 (BINARY.PEEK[{section}])")[0]
        body = wire.cmd(f"FETCH 1 (BODY.PEEK[{section}])")[0]
        assert _literal(binary, f"BINARY[{section}]".encode()) == _literal(
            body, f"BODY[{section}]".encode()
        )


def test_non_leaf_sections_are_their_body_bytes(wire: Wire) -> None:
    """A multipart or message/rfc822 section, and BINARY[] (the whole message), have no
    encoding of their own (RFC 2045 6.4): their bytes are those of BODY[section]."""
    for section in ("", "5", "6"):
        binary = wire.cmd(f"FETCH 1 (BINARY.PEEK[{section}])")[0]
        body = wire.cmd(f"FETCH 1 (BODY.PEEK[{section}])")[0]
        assert (
            _literal(binary, f"BINARY[{section}]".encode())[1]
            == (_literal(body, f"BODY[{section}]".encode())[1])
        )


def test_part_of_an_enclosed_message_is_decoded(wire: Wire) -> None:
    """Part numbers inside message/rfc822 address the enclosed parts (6.2 base64)."""
    _, data = _literal(wire.cmd("FETCH 1 (BINARY.PEEK[6.2])")[0], b"BINARY[6.2]")
    assert data == bytes(range(256)) * 3


def test_single_part_message_body_is_part_one(wire: Wire) -> None:
    """A message that is not multipart: its body is part 1, decoded."""
    raw = (DATA / "single.eml").read_bytes()
    expected = base64.b64decode(raw.split(b"\n\n", 1)[1])
    _, data = _literal(wire.cmd("FETCH 2 (BINARY.PEEK[1])")[0], b"BINARY[1]")
    assert data == expected


def test_partial_counts_decoded_octets(wire: Wire) -> None:
    """<5.10> is octets 5..14 of the decoded data, echoed as BINARY[2]<5>."""
    got = wire.cmd("FETCH 1 (BINARY.PEEK[2]<5.10>)")[0]
    assert b"BINARY[2]<5> ~{10}\r\n" in got
    assert _literal(got, b"BINARY[2]<5>")[1] == bytes(range(5, 15))
    assert b"BINARY[1]<200> ~{0}\r\n" in wire.cmd("FETCH 1 (BINARY.PEEK[1]<200.10>)")[0]


def test_size_is_the_length_binary_sends(wire: Wire) -> None:
    """BINARY.SIZE[n] is the length of BINARY[n] for every kind of section."""
    sections = ["", "1", "2", "3", "4", "5", "5.1", "5.2", "6", "6.1", "6.2"]
    sizes = wire.cmd("FETCH 1 (" + " ".join(f"BINARY.SIZE[{s}]" for s in sections) + ")")[0]
    for s in sections:
        size = int(re.search(rb"BINARY\.SIZE\[%s\] (\d+)" % s.encode(), sizes).group(1))  # type: ignore[union-attr]
        _, data = _literal(wire.cmd(f"FETCH 1 (BINARY.PEEK[{s}])")[0], f"BINARY[{s}]".encode())
        assert size == len(data), s


def test_missing_part_is_empty(wire: Wire) -> None:
    """A part that does not exist is empty (as Dovecot answers)."""
    got = wire.cmd("FETCH 1 (BINARY.PEEK[9] BINARY.SIZE[9])")
    assert got[0] == b"* 1 FETCH (BINARY[9] {0}\r\n BINARY.SIZE[9] 0)\r\n"


def test_unknown_encoding_fails_with_unknown_cte(wire: Wire) -> None:
    """x-uuencode cannot be undone: NO [UNKNOWN-CTE], for BINARY and BINARY.SIZE."""
    for item in ("BINARY.PEEK[2]", "BINARY.SIZE[2]", "BINARY.SIZE[1] BINARY.PEEK[2]"):
        assert wire.cmd(f"FETCH 3 ({item})")[-1].startswith(b"NO [UNKNOWN-CTE]")
    assert _literal(wire.cmd("FETCH 3 (BINARY.PEEK[1])")[0], b"BINARY[1]")[1] == b"hello"


def test_binary_sets_seen_and_peek_does_not(wire: Wire) -> None:
    """BINARY[...] sets \\Seen like BODY[...]; BINARY.PEEK and BINARY.SIZE do not."""
    wire.cmd("FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])")
    assert b"\\Seen" not in wire.cmd("FETCH 2 (FLAGS)")[0]
    got = wire.cmd("FETCH 2 (BINARY[1]<0.4>)")[0]
    assert b"\\Seen" in got and b"BINARY[1]<0> ~{4}\r\n%PDF" in got


def test_section_text_is_not_binary_syntax(wire: Wire) -> None:
    """section-binary is a part number only: BINARY[1.MIME] is a syntax error; so is a
    partial after BINARY.SIZE (its grammar has none)."""
    assert wire.cmd("FETCH 1 (BINARY.PEEK[1.MIME])")[-1].startswith(b"BAD")
    assert wire.cmd("FETCH 1 (BINARY.SIZE[1]<0.4>)")[-1].startswith(b"BAD")


def test_append_literal8_is_stored(wire: Wire) -> None:
    """APPEND with ~{n} (4.4): a message without NUL octets is stored as sent."""
    message = b"Subject: eight\r\nContent-Transfer-Encoding: 8bit\r\n\r\nK\xc3\xb6ln\r\n"
    assert wire.append(message, literal8=True).startswith(b"OK [APPENDUID")
    _, data = _literal(wire.cmd("FETCH 4 (BODY.PEEK[])")[-2], b"BODY[]")
    assert data == message


def test_append_literal8_with_nul_is_refused(wire: Wire) -> None:
    """Binary content (NUL) cannot be kept in a mailbox served with {n} literals: NO
    [UNKNOWN-CTE] (4.4), nothing stored, and the session goes on."""
    message = b"Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\nab\x00cd\r\n"
    assert wire.append(message, literal8=True).startswith(b"NO [UNKNOWN-CTE]")
    assert b"MESSAGES 3" in wire.cmd("STATUS INBOX (MESSAGES)")[0]


def test_append_literal8_non_synchronizing(wire: Wire) -> None:
    """~{n+} (LITERAL+) is read without a continuation."""
    message = b"Subject: plus\r\n\r\nbody\r\n"
    got = wire.cmd(b"APPEND INBOX ~{%d+}\r\n" % len(message) + message)
    assert got[-1].startswith(b"OK [APPENDUID")


def test_binary_of_decoded_text_roundtrips(wire: Wire) -> None:
    """The base64 text part decodes to what was encoded."""
    _, data = _literal(wire.cmd("FETCH 1 (BINARY.PEEK[3])")[0], b"BINARY[3]")
    assert data == ("Grüße aus Köln\r\n" * 20).encode()
