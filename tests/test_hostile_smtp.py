"""SMTP in (mailcore/smtp) fed garbage over raw sockets.

A real server on 127.0.0.1 (tests/smtp_support.py) gets binary garbage, NUL
bytes, 10 KB lines, commands out of order, a client that vanishes in the
middle of DATA, a bare-LF dot line, and a hypothesis fuzz of command lines.
Every answer must be a proper reply (a 3-digit code, 4xx/5xx for nonsense),
the server must keep serving other clients, nothing half-received may be
delivered or left in the spool, and the log must hold no error/traceback.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.smtp.service import spool_dir
from tests.fuzz_grammar import SMTP_COMMAND
from tests.smtp_support import MailServer, running

REPLY = re.compile(rb"^([2-5]\d\d)([ -])(.*)$")
OPEN: list[Raw] = []  # closed by the server fixture, even when a test fails


class Raw:
    """A raw SMTP client socket: send bytes, read whole (multi-line) replies."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        OPEN.append(self)
        self.buf = b""
        self.text = b""  # the last reply's lines
        self.greeting = self.reply()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed; pending {self.buf!r}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self) -> int:
        """The code of the next complete reply (asserting its syntax); its text in ``text``."""
        self.text = b""
        while True:
            line = self._line()
            self.text += line + b"\n"
            match = REPLY.match(line)
            assert match, f"not an SMTP reply: {line!r}"
            if match[2] == b" ":
                return int(match[1])

    def cmd(self, data: bytes) -> int:
        self.sock.sendall(data + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[MailServer]:
    caplog.set_level(logging.INFO)
    try:
        yield from running(tmp_path)
    finally:
        while OPEN:
            OPEN.pop().close()
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


def still_serves(server: MailServer) -> None:
    """Another client gets a full, normal session."""
    other = Raw(server.port("smtp"))
    assert other.greeting == 220
    assert other.cmd(b"EHLO other.example") == 250
    assert other.cmd(b"NOOP") == 250
    assert other.cmd(b"QUIT") == 221
    other.close()


def spool_files(server: MailServer) -> list[Path]:
    deadline = time.monotonic() + 5  # the spool file is unlinked in a worker thread
    while (files := list(spool_dir(server.paths).iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    return files


@pytest.mark.parametrize(
    "line",
    [
        b"\x00\x01\x02\xff\xfe garbage \x80\x81",
        b"\xc3\x28\xa0\xa1 invalid utf-8",
        b"X" * 10_240,
        b"MAIL FROM:<" + b"a" * 10_000 + b"@example.org>",
        b"HELO",
        b"RCPT TO:",
        b"AUTH PLAIN !!!notbase64",
        b"STARTTLS extra-argument",
    ],
    ids=[
        "binary",
        "bad_utf8",
        "10k_line",
        "10k_address",
        "helo_no_arg",
        "rcpt_empty",
        "auth_garbage",
        "starttls_arg",
    ],
)
def test_garbage_command_gets_an_error_reply(server: MailServer, line: bytes) -> None:
    raw = Raw(server.port("smtp"))
    assert raw.cmd(b"EHLO client.example") == 250
    assert 400 <= raw.cmd(line) < 600
    assert raw.cmd(b"NOOP") == 250  # the session survives its garbage
    raw.close()
    still_serves(server)


def test_vrfy_with_binary_gets_a_proper_reply(server: MailServer) -> None:
    raw = Raw(server.port("smtp"))
    assert raw.cmd(b"EHLO client.example") == 250
    assert raw.cmd(b"VRFY " + b"\xff" * 100) in (252, 501, 502, 550)
    assert raw.cmd(b"NOOP") == 250


@pytest.mark.parametrize(
    "line",
    [b'MAIL FROM:<"a b"@[IPv6', b'VRFY <"a b"@[IPv6', b'MAIL FROM:<"a b"@[IPv6:::1'],
    ids=["mail", "vrfy", "mail_ipv6"],
)
def test_address_that_breaks_the_header_parser_gets_a_syntax_reply(
    server: MailServer, line: bytes
) -> None:
    """The stdlib parser raised AttributeError here: aiosmtpd answered 500 (AttributeError)."""
    raw = Raw(server.port("smtp"))
    assert raw.cmd(b"EHLO client.example") == 250
    code = raw.cmd(line)
    assert 500 < code < 600, code
    assert raw.cmd(b"NOOP") == 250


@pytest.mark.parametrize(
    "line",
    [b"EHLO \x00\x00\x00", b"EHLO a\x01b\x1b[31m", b"MAIL FROM:<a\x00b@example.org>"],
    ids=["ehlo_nul", "ehlo_escape", "mail_nul"],
)
def test_control_characters_in_commands_are_refused(server: MailServer, line: bytes) -> None:
    raw = Raw(server.port("smtp"))
    if not line.startswith(b"EHLO"):
        assert raw.cmd(b"EHLO client.example") == 250
    assert 500 <= raw.cmd(line) < 600


@pytest.mark.parametrize(
    ("setup", "line", "code"),
    [
        ([], b"MAIL FROM:<x@example.org>", 503),
        ([b"EHLO c.example"], b"DATA", 503),
        ([b"EHLO c.example"], b"RCPT TO:<alice@example.be>", 503),
        ([b"EHLO c.example", b"MAIL FROM:<x@example.org>"], b"DATA", 503),
        ([b"EHLO c.example", b"MAIL FROM:<x@example.org>"], b"MAIL FROM:<y@example.org>", 503),
    ],
    ids=[
        "mail_before_ehlo",
        "data_without_mail",
        "rcpt_without_mail",
        "data_without_rcpt",
        "nested_mail",
    ],
)
def test_commands_out_of_order(
    server: MailServer, setup: list[bytes], line: bytes, code: int
) -> None:
    raw = Raw(server.port("smtp"))
    for step in setup:
        assert raw.cmd(step) == 250
    assert raw.cmd(line) == code
    raw.close()
    still_serves(server)


def test_disconnect_in_the_middle_of_data(server: MailServer) -> None:
    raw = Raw(server.port("smtp"))
    for step in (b"EHLO c.example", b"MAIL FROM:<x@example.org>", b"RCPT TO:<alice@example.be>"):
        assert raw.cmd(step) == 250
    assert raw.cmd(b"DATA") == 354
    raw.sock.sendall(b"Subject: half\r\n\r\n" + b"half a message\r\n" * 5000)
    raw.sock.shutdown(socket.SHUT_RDWR)
    raw.close()
    still_serves(server)
    assert server.inbox("alice@example.be") == []
    assert spool_files(server) == []


def test_reset_in_the_middle_of_data(server: MailServer) -> None:
    raw = Raw(server.port("smtp"))
    for step in (b"EHLO c.example", b"MAIL FROM:<x@example.org>", b"RCPT TO:<alice@example.be>"):
        assert raw.cmd(step) == 250
    assert raw.cmd(b"DATA") == 354
    raw.sock.sendall(b"Subject: half\r\n\r\npartial")
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    raw.close()  # linger 0: RST instead of FIN
    still_serves(server)
    assert server.inbox("alice@example.be") == []
    assert spool_files(server) == []


def test_bare_lf_dot_does_not_end_data(server: MailServer) -> None:
    """``\\n.\\n`` is not the end of data: no command smuggling after it."""
    raw = Raw(server.port("smtp"))
    for step in (b"EHLO c.example", b"MAIL FROM:<x@example.org>", b"RCPT TO:<alice@example.be>"):
        assert raw.cmd(step) == 250
    assert raw.cmd(b"DATA") == 354
    smuggled = (
        b"Subject: one\r\n\r\nbody\n.\nMAIL FROM:<evil@example.org>\n"
        b"RCPT TO:<bob@example.be>\nDATA\nSubject: smuggled\n\nx\n.\n"
    )
    code = raw.cmd(smuggled + b"\r\n.")
    assert code in (250, 550, 554), code  # accepted as one message, or refused whole
    assert raw.cmd(b"NOOP") == 250
    raw.close()
    assert server.inbox("bob@example.be") == []
    assert len(server.inbox("alice@example.be")) == (1 if code == 250 else 0)


def test_many_garbage_clients_then_a_normal_one(server: MailServer) -> None:
    clients = [Raw(server.port("smtp")) for _ in range(20)]
    for n, raw in enumerate(clients):
        raw.sock.sendall(bytes([n]) * 2000 + b"\r\n")
    for raw in clients:
        assert 400 <= raw.reply() < 600
        raw.close()
    still_serves(server)


COMMAND = st.binary(min_size=0, max_size=600).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"")
)
VERBS = st.sampled_from(
    [
        b"EHLO ",
        b"HELO ",
        b"MAIL FROM:",
        b"RCPT TO:",
        b"DATA",
        b"RSET",
        b"AUTH ",
        b"VRFY ",
        b"NOOP ",
        b"BDAT ",
        b"XCLIENT ",
        b"",
    ]
)


@settings(
    max_examples=60,
    deadline=5000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=st.lists(st.tuples(VERBS, COMMAND), min_size=1, max_size=6))
def test_fuzzed_command_lines(server: MailServer, lines: list[tuple[bytes, bytes]]) -> None:
    raw = Raw(server.port("smtp"))
    try:
        for verb, rest in lines:
            line = verb + rest
            if line.upper().startswith((b"DATA", b"QUIT")) or line.upper() == b"STARTTLS":
                continue  # these legitimately change the conversation's framing
            try:
                code = raw.cmd(line)
            except ConnectionError:
                break  # the server may hang up on abuse (421 already read or none)
            assert 200 <= code < 600
    finally:
        raw.close()
    still_serves(server)


# aiosmtpd's answer to an exception in a command handler: "500 Error: (Name) text".
INTERNAL_ERROR = re.compile(rb"^\d{3}[ -]Error: \(\w+\)", re.M)


@settings(
    max_examples=int(os.environ.get("PMEMAIL_FUZZ_EXAMPLES", "600")),
    deadline=5000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    port=st.sampled_from(["smtp", "submission"]),
    lines=st.lists(SMTP_COMMAND, min_size=1, max_size=8),
)
def test_grammar_fuzz(server: MailServer, port: str, lines: list[str]) -> None:
    """Commands well formed up to one chosen place, on port 25 and on submission.

    Every answer is a reply, never aiosmtpd's internal-error 500; the session
    still answers NOOP, or was closed after saying so (421, "goodbye").
    """
    raw = Raw(server.port(port))
    try:
        if not lines[0].upper().startswith(("EHLO", "HELO")):
            assert raw.cmd(b"EHLO fuzz.example") == 250
        for line in lines:
            code = raw.cmd(line.encode("utf-8", "surrogateescape"))
            assert 200 <= code < 600 and not INTERNAL_ERROR.search(raw.text), (line, raw.text)
            if code == 421 or b"goodbye" in raw.text:
                return  # aiosmtpd's abuse limits: a clean, announced hang-up
            if code == 334:  # an AUTH challenge: cancel it
                raw.cmd(b"*")
        assert raw.cmd(b"NOOP") == 250, raw.text
    finally:
        raw.close()
