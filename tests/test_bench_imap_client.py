"""The IMAP bench client reads an answer whole, however the bytes arrive.

A tagged line split across two reads was once missed (the client waited 60 s
for an answer it already had): every split point of a scripted answer is tried.
"""

from __future__ import annotations

import socket
from typing import cast

import pytest

from bench.imap.client import CommandFailed, ImapConn

BODY = b"Subject: x\r\n\r\na2 OK not the end: inside a literal\r\n"
ANSWER = (
    b"* 3 EXISTS\r\n"
    + b"* 1 FETCH (UID 7 BODY[] {%d}\r\n" % len(BODY)
    + BODY
    + b")\r\n* 2 EXPUNGE\r\n"
    + b"a1 OK Fetch completed (0.001 + 0.000 + 0.001 secs).\r\n"  # longer than 32 bytes
)
NEXT = b"a2 OK NOOP completed\r\n"


class ChunkedSocket:
    """Hands out the scripted chunks one ``recv`` at a time; records what is sent."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.sent = b""

    def recv(self, size: int) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""

    def sendall(self, data: bytes) -> None:
        self.sent += data

    def close(self) -> None:
        pass


def _conn(chunks: list[bytes]) -> ImapConn:
    return ImapConn(cast(socket.socket, ChunkedSocket(chunks)))


@pytest.mark.parametrize("cut", range(1, len(ANSWER)))
def test_answer_split_anywhere(cut: int) -> None:
    """Any split, the next answer already read behind it: both come back exactly."""
    conn = _conn([ANSWER[:cut], ANSWER[cut:] + NEXT])
    assert conn.command("UID FETCH 7 BODY[]") == ANSWER
    assert conn.exists == 2  # 3 EXISTS, then one EXPUNGE
    assert conn.command("NOOP") == NEXT
    assert conn.commands == 2


def test_answer_byte_by_byte() -> None:
    """One byte per read."""
    conn = _conn([bytes([b]) for b in ANSWER])
    assert conn.command("UID FETCH 7 BODY[]") == ANSWER


def test_no_is_a_failure_with_the_server_line() -> None:
    """A tagged NO raises, naming the command and quoting the server."""
    conn = _conn([b"a1 NO [TRYCREATE] no such mailbox\r\n"])
    with pytest.raises(CommandFailed, match=r"SELECT Nope.*TRYCREATE"):
        conn.command("SELECT Nope")


def test_wait_exists_skips_other_untagged_lines() -> None:
    """In IDLE: RECENT and FETCH lines are passed over up to the EXISTS count."""
    conn = _conn([b"* 4 FETCH (FLAGS (\\Seen))\r\n* 5 RE", b"CENT\r\n* 5 EXISTS\r\n"])
    assert conn.wait_exists() == 5
    assert conn.exists == 5


def test_wait_exists_fails_on_a_tagged_line() -> None:
    """A tagged answer instead of the EXISTS: the server left IDLE."""
    conn = _conn([b"a1 BAD IDLE ended\r\n"])
    with pytest.raises(CommandFailed, match="waiting for EXISTS"):
        conn.wait_exists()
