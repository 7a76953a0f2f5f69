"""A 100 MB message through SMTP in, with the server's memory bounded (slow)."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from mailcore.delivery import maildir_path
from pmemail.config.paths import DataPaths
from tests.smtp_support import child_server, peak_rss_kib

LIMIT = 104_857_600  # 100 MiB, under the default mail.max_message_size (150 MiB)
RSS_LIMIT_KIB = 150 * 1024
# 1,000-byte lines; every 7th starts with a dot, so dot-stuffing is exercised
# across chunk boundaries all the way through.
LINE = b"x" * 998 + b"\r\n"
DOT_LINE = b"." + b"y" * 997 + b"\r\n"
BLOCK = (LINE * 6 + DOT_LINE) * 16


def reply(sock: socket.socket) -> bytes:
    """One (possibly multi-line) SMTP reply; its last line."""
    buf = b""
    while True:
        while b"\r\n" not in buf:
            chunk = sock.recv(4096)
            assert chunk, "server closed the connection"
            buf += chunk
        line, _, buf = buf.partition(b"\r\n")
        if line[3:4] != b"-":
            assert not buf, f"unexpected data after reply: {buf!r}"
            return line


@pytest.mark.slow
def test_100_mb_message_accepted_with_bounded_memory(tmp_path: Path) -> None:
    """Just under 100 MiB: 250, delivered intact, peak RSS < 150 MB."""
    header = b"From: plotter@remote.example\r\nSubject: drawing\r\n\r\n"
    blocks = (LIMIT - len(header) - 4096) // len(BLOCK)
    body_wire = BLOCK.replace(b"\r\n.", b"\r\n..")  # what a client sends (RFC 5321 4.5.2)
    expected = hashlib.sha256(header)
    with (
        child_server(tmp_path) as (proc, port),
        socket.create_connection(("127.0.0.1", port), timeout=120) as sock,
    ):
        assert reply(sock).startswith(b"220")
        for command in (
            b"EHLO plotter.remote.example",
            b"MAIL FROM:<plotter@remote.example>",
            b"RCPT TO:<alice@example.be>",
            b"DATA",
        ):
            sock.sendall(command + b"\r\n")
            assert reply(sock)[:1] in (b"2", b"3"), command
        sock.sendall(header)
        for _ in range(blocks):
            sock.sendall(body_wire)
            expected.update(BLOCK)
        sock.sendall(b".\r\n")
        final = reply(sock)
        peak = peak_rss_kib(proc.pid)
        sock.sendall(b"QUIT\r\n")
    assert final.startswith(b"250 "), final
    assert peak < RSS_LIMIT_KIB, f"peak RSS {peak // 1024} MiB"

    new = maildir_path(DataPaths(tmp_path / "data"), "alice@example.be") / "new"
    [stored] = list(new.iterdir())
    digest = hashlib.sha256()
    with open(stored, "rb") as f:
        head = f.read(4096)
        body_at = head.index(header)  # after Return-Path and Received
        assert head.startswith(b"Return-Path: <plotter@remote.example>\r\nReceived: ")
        f.seek(body_at)
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == expected.hexdigest()
