"""CRLF lines with leading dots doubled, read a piece at a time: the bytes are those of
the whole-file conversion whatever the piece size, and POP3 RETR/TOP and the queue's
DATA of a 30 MB message (one with no line break at all) never hold it."""

from __future__ import annotations

import hashlib
import io
import os
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore import dotstuff
from mailcore.pop3.maildrop import Maildrop, SizeCache
from mailcore.queue.relay import Body, _stream_body

_BIG = 30 << 20


def _reference(data: bytes, stuff: bool = True) -> bytes:
    """The whole-file conversion: every line CRLF-ended, a leading dot doubled."""
    if not data:
        return b""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    out = []
    for line in lines:
        line = line.removesuffix(b"\r")
        out.append((b"." + line if stuff and line.startswith(b".") else line) + b"\r\n")
    return b"".join(out)


@pytest.mark.parametrize("limit", [2, 3, 5, 64])
def test_any_piece_size_gives_the_whole_file_conversion(limit: int) -> None:
    """Random lines of dots, CRs and LFs, cut at every piece size, give the reference bytes."""
    rng = random.Random(limit)
    for _ in range(300):
        data = bytes(rng.choice(b"..\r\nab") for _ in range(rng.randrange(0, 40)))
        got = b"".join(dotstuff.stuffed(io.BytesIO(data), chunk=1, limit=limit))
        pieces = dotstuff.segments(io.BytesIO(data), limit)
        size = sum(len(s.data) + (2 if s.ends else 0) for s in pieces)
        assert got == _reference(data), data
        assert size == len(_reference(data, stuff=False)), data


def test_a_last_line_without_line_end_gets_one() -> None:
    """The file's last line, unended, is sent with a CRLF (sizes and RETR agree)."""
    assert b"".join(dotstuff.stuffed(io.BytesIO(b"a\n.b"))) == b"a\r\n..b\r\n"
    assert dotstuff.wire_size(io.BytesIO(b"a\n.b")) == 7  # before stuffing


def test_top_sends_the_header_and_n_body_lines() -> None:
    """TOP 1: header, blank line, one body line."""
    got = b"".join(dotstuff.stuffed(io.BytesIO(b"S: x\n\n.one\ntwo\n"), body_lines=1))
    assert got == b"S: x\r\n\r\n..one\r\n"


def _write_big(path: Path, *, one_line: bool) -> bytes:
    """A ~30 MB message (LF ends, or a body with no line break); its expected wire bytes'
    SHA-256 computed piece by piece."""
    digest = hashlib.sha256()
    head = b"Subject: big\n\n"
    digest.update(head.replace(b"\n", b"\r\n"))
    block = os.urandom(3 << 19).hex().encode()  # 3 MB of hex
    line = block if one_line else b"\n".join(block[i : i + 76] for i in range(0, len(block), 76))
    with open(path, "wb") as f:
        f.write(head)
        for _ in range(_BIG // len(block)):
            f.write(line if one_line else line + b"\n")
            digest.update(line if one_line else line.replace(b"\n", b"\r\n") + b"\r\n")
        f.write(b"\n")
        digest.update(b"\r\n")
    return digest.digest()


def _peak_while(chunks: Iterator[bytes]) -> tuple[int, bytes]:
    """tracemalloc's peak while ``chunks`` are consumed (hashed), and their SHA-256."""
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        for chunk in chunks:
            digest.update(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, digest.digest()


@pytest.mark.parametrize("one_line", [False, True], ids=["lines", "one-line"])
def test_pop3_retr_and_top_of_a_large_message_stream(tmp_path: Path, one_line: bool) -> None:
    """The maildrop's RETR chunks of a 30 MB message are its wire bytes; the peak while
    sizing and sending them stays far below the message (also with no line break)."""
    root = tmp_path / "inbox"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    want = _write_big(root / "new" / "1.big", one_line=one_line)
    tracemalloc.start()
    try:
        drop = Maildrop.open(root, SizeCache())  # sizes the message: reads it once
        open_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    try:
        peak, got = _peak_while(drop.chunks(drop.get(1)))
        top_peak, _ = _peak_while(drop.chunks(drop.get(1), body_lines=2))
    finally:
        drop.close()
    assert got == want
    assert max(open_peak, peak, top_peak) < 2 << 20, (open_peak, peak, top_peak)


class _HashingSmtp:
    """What ``_stream_body`` uses of ``smtplib.SMTP``: ``send``, here hashing."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.largest = 0

    def send(self, data: bytes) -> None:
        self.digest.update(data)
        self.largest = max(self.largest, len(data))


def test_queue_relay_streams_a_large_message(tmp_path: Path) -> None:
    """DATA of a 30 MB queued message: its wire bytes then ``.``, in small sends, with a
    peak far below the message."""
    path = tmp_path / "big"
    _write_big(path, one_line=True)
    smtp = _HashingSmtp()
    tracemalloc.start()
    try:
        _stream_body(smtp, Body(path))  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    expected = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in dotstuff.stuffed(f):
            expected.update(chunk)
    expected.update(b".\r\n")
    assert smtp.digest.digest() == expected.digest()
    assert peak < 2 << 20 and smtp.largest < 1 << 18, (peak, smtp.largest)
