"""SMTP in (port 25): local delivery, closed relay, SIZE, PIPELINING, bad input."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.smtp_support import MailServer, client_tls, running

MSG = b"From: someone@remote.example\r\nSubject: hello\r\n\r\nHello Alice\r\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    yield from running(tmp_path)


def smtp(server: MailServer) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=10)
    client.ehlo("remote.example")
    return client


def test_local_delivery_is_on_disk_at_250(server: MailServer) -> None:
    """A 250 means the copy is already in new/, with Received and Return-Path."""
    with smtp(server) as c:
        c.sendmail("someone@remote.example", ["alice@example.be"], MSG)
        box = server.inbox("alice@example.be")  # read right after 250, no waiting
    assert len(box) == 1
    assert box[0].startswith(
        b"Return-Path: <someone@remote.example>\r\nReceived: from "
        b"remote.example ([127.0.0.1])\r\n\tby mail.example.be"
    )
    assert box[0].endswith(MSG)


def test_alias_uppercase_and_extra_domain(server: MailServer) -> None:
    """Aliases resolve; case does not matter; unknown users get 550 5.1.1."""
    with smtp(server) as c:
        c.mail("x@remote.example")
        assert c.rcpt("<INFO@Example.BE>")[0] == 250
        code, text = c.rcpt("<nobody@example.be>")
        assert code == 550 and b"5.1.1" in text
        assert c.data(MSG)[0] == 250
    assert len(server.inbox("alice@example.be")) == 1


RELAY_TRICKS = [
    "<victim@remote.example>",
    "<victim%remote.example@example.be>",
    "<remote.example!victim@example.be>",
    "<@example.be:victim@remote.example>",
    "<@example.be,@mail.example.be:victim@remote.example>",
    '<"victim@remote.example"@example.be>',
    '<"victim%remote.example"@example.be>',
    "<victim@remote.example.>",
    "<alice@example.be.>",
    "<victim@[192.0.2.7]>",
    "<alice@[127.0.0.1]>",
    "<VICTIM@REMOTE.EXAMPLE>",
    "< victim@remote.example >",
    "<victim@remote.example@example.be>",
    "<victim@example.be.remote.example>",
    "<victim@example.berelay.example>",
    "<alice%example.be@example.be>",
    "<example.be!alice@example.be>",
    "<victim>",
    "victim@remote.example",
]


@pytest.mark.parametrize("rcpt", RELAY_TRICKS)
def test_open_relay_attempts_refused(server: MailServer, rcpt: str) -> None:
    """Every classic open-relay trick is refused with a 5xx at RCPT."""
    with smtp(server) as c:
        c.mail("spammer@remote.example")
        code, text = c.rcpt(rcpt)
        assert 500 <= code < 600, (rcpt, code, text)
    assert server.queue.items == []


def test_size_advertised_and_enforced(server: MailServer) -> None:
    """SIZE is advertised; a declared or an actual oversize gets 552."""
    limit = server.config.mail.max_message_size
    with smtp(server) as c:
        assert c.has_extn("size") and int(c.esmtp_features["size"]) == limit
        assert c.has_extn("pipelining") and c.has_extn("starttls")
        assert not c.has_extn("auth")  # the MX never takes passwords
        code, _ = c.mail("x@remote.example", [f"SIZE={limit + 1}"])
        assert code == 552
        c.rset()
        c.mail("x@remote.example", ["SIZE=100"])  # a lie
        c.rcpt("alice@example.be")
        code, text = c.data(
            b"Subject: big\r\n\r\n"
            + b"x" * 998
            + b"\r\n" * 0
            + (b"y" * 998 + b"\r\n") * (limit // 1000 + 5)
        )
        assert code == 552, text
    assert server.inbox("alice@example.be") == []


def test_no_auth_offered_after_starttls(server: MailServer) -> None:
    """After STARTTLS port 25 said a bare ``AUTH`` (no mechanism): no AUTH line at all."""
    with smtp(server) as c:
        c.starttls(context=client_tls())
        code, text = c.ehlo("client.example")
        assert code == 250 and c.has_extn("size"), text
        assert not c.has_extn("auth") and b"AUTH" not in text.upper(), text


def test_dot_stuffing_round_trip(server: MailServer) -> None:
    """Lines starting with dots survive transparency unchanged."""
    body = b"Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\nend.\r\n"
    with smtp(server) as c:
        c.sendmail("x@remote.example", ["bob@example.be"], body)
    assert server.inbox("bob@example.be")[0].endswith(body)


_readers: dict[int, BinaryIO] = {}


def recv_lines(sock: socket.socket, count: int) -> list[bytes]:
    """The next ``count`` reply lines (buffered per socket, nothing lost)."""
    reader = _readers.setdefault(sock.fileno(), sock.makefile("rb"))
    lines = [reader.readline() for _ in range(count)]
    assert all(line.endswith(b"\r\n") for line in lines), lines
    return [line[:-2] for line in lines]


def test_pipelining(server: MailServer) -> None:
    """A whole transaction in two writes gets every reply in order."""
    with _connect(server) as s:
        recv_lines(s, 1)
        s.sendall(b"EHLO pipe.example\r\n")
        while not recv_lines(s, 1)[0].startswith(b"250 "):
            pass
        s.sendall(
            b"MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.be>\r\n"
            b"RCPT TO:<ghost@example.be>\r\nRCPT TO:<bob@example.be>\r\nDATA\r\n"
        )
        replies = [line[:3] for line in recv_lines(s, 5)]
        assert replies == [b"250", b"250", b"550", b"250", b"354"]
        s.sendall(
            b"Subject: p\r\n\r\nbody\r\n.\r\nMAIL FROM:<b@remote.example>\r\n"
            b"RCPT TO:<bob@example.be>\r\nDATA\r\n"
        )
        assert [line[:3] for line in recv_lines(s, 4)] == [b"250", b"250", b"250", b"354"]
        s.sendall(b"second\r\n.\r\nQUIT\r\n")
        assert [line[:3] for line in recv_lines(s, 2)] == [b"250", b"221"]
    assert len(server.inbox("alice@example.be")) == 1
    assert len(server.inbox("bob@example.be")) == 2


def _connect(server: MailServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port("smtp")), timeout=10)
    _readers.pop(sock.fileno(), None)
    return sock


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"FOO bar", 500),
        (b"MAIL FROM:<broken", 553),
        (b"MAIL TO:<a@b.example>", 501),
        (b"RCPT TO:<alice@example.be>", 503),
        (b"DATA", 503),
        (b"DATA now", 503),
        (b"MAIL FROM:<a@b.example> SIZE=abc", 501),
        (b"X" * 600, 500),
    ],
)
def test_malformed_commands(server: MailServer, line: bytes, code: int) -> None:
    """Bad commands get a specific 5xx and the session stays usable."""
    with _connect(server) as s:
        recv_lines(s, 1)
        s.sendall(b"HELO x.example\r\n")
        recv_lines(s, 1)
        s.sendall(line + b"\r\nNOOP\r\n")
        first, second = recv_lines(s, 2)
        assert int(first[:3]) == code, first
        assert second.startswith(b"250")
