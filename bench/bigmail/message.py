"""The big test message: random bytes as a base64 attachment, and how a copy is checked.

The message is written to a file in chunks (never whole in memory), with CRLF
line ends and no line starting with ".", so it can go on the SMTP wire as it
is (no dot-stuffing, no line-end fixing by the client). Its SHA-256 and the
attachment's are taken while it is written.

A copy read back by IMAP or POP3 is the stored message: the bytes sent with
the server's trace headers (``Return-Path:``, ``Received:``) put in front.
:func:`verify_copy` checks that the copy is exactly those headers followed by
the bytes sent, byte for byte; :func:`verify_streamed_copy` does it while the
copy is read.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bench.method import BenchFailure

FILENAME = "drawing.dwg"
SUBJECT = "Big drawing"
# 57 raw bytes make one 76-character base64 line: chunks of whole lines
# concatenate to the base64 of the whole attachment
RAW_CHUNK = 57 * 16384
# a header line, or a folded continuation line, among those the server adds
_TRACE = re.compile(rb"\A(?:(?:Return-Path|Received):[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)+\Z")


@dataclass(frozen=True)
class BigMessage:
    """The message file and the fingerprints every copy is checked against."""

    path: Path
    size: int
    sha256: str
    attachment_size: int
    attachment_sha256: str


def write_message(path: Path, attachment_bytes: int, sender: str, to: str) -> BigMessage:
    """Write a ``multipart/mixed`` message with ``attachment_bytes`` random bytes attached."""
    boundary = "bench-" + os.urandom(8).hex()
    head = (
        f"From: Bench <{sender}>\r\nTo: {to}\r\nSubject: {SUBJECT}\r\n"
        "Date: Mon, 1 Jun 2026 10:00:00 +0200\r\n"
        f"Message-ID: <big-{boundary}@bench.example>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "The drawing is attached.\r\n"
        f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="{FILENAME}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    tail = f"--{boundary}--\r\n".encode()
    whole, raw = hashlib.sha256(), hashlib.sha256()
    size = 0
    with open(path, "wb") as out:
        out.write(head)
        whole.update(head)
        size += len(head)
        left = attachment_bytes
        while left > 0:
            data = os.urandom(min(RAW_CHUNK, left))
            left -= len(data)
            raw.update(data)
            block = base64.encodebytes(data).replace(b"\n", b"\r\n")
            out.write(block)
            whole.update(block)
            size += len(block)
        out.write(tail)
        whole.update(tail)
        size += len(tail)
    if b"\n." in head or b"\n." in tail:  # base64 has no "."; the headers are ours
        raise BenchFailure("the test message would need dot-stuffing")
    return BigMessage(path, size, whole.hexdigest(), attachment_bytes, raw.hexdigest())


def verify_copy(copy: bytes, sent: BigMessage) -> str:
    """Check ``copy`` is trace headers + the message sent; what was compared, for the table."""
    added = len(copy) - sent.size
    if added < 0:
        raise BenchFailure(f"copy is {-added} bytes shorter than the message sent")
    if not _TRACE.match(copy[:added]):
        raise BenchFailure(f"copy does not start with trace headers: {copy[:200]!r}")
    if hashlib.sha256(memoryview(copy)[added:]).hexdigest() != sent.sha256:
        raise BenchFailure("copy differs from the message sent (SHA-256)")
    return f"{sent.size} B = sent (SHA-256) after {added} B of trace headers"


def verify_streamed_copy(stream: BinaryIO, length: int, sent: BigMessage) -> str:
    """:func:`verify_copy` of a ``length``-byte copy read from ``stream`` in chunks (three
    100 MB copies at once must not cost the bench 300 MB)."""
    added = length - sent.size
    if added < 0:
        raise BenchFailure(f"copy is {-added} bytes shorter than the message sent")
    head = stream.read(added)
    if not _TRACE.match(head):
        raise BenchFailure(f"copy does not start with trace headers: {head[:200]!r}")
    digest, left = hashlib.sha256(), sent.size
    while left:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise BenchFailure(f"connection closed {left} bytes before the end of the copy")
        digest.update(chunk)
        left -= len(chunk)
    if digest.hexdigest() != sent.sha256:
        raise BenchFailure("copy differs from the message sent (SHA-256)")
    return f"{sent.size} B = sent (SHA-256) after {added} B of trace headers"


def verify_attachment(sha256: str, size: int, sent: BigMessage) -> str:
    """Check a downloaded attachment against the random bytes sent."""
    if size != sent.attachment_size or sha256 != sent.attachment_sha256:
        raise BenchFailure(
            f"attachment differs: {size} B, expected {sent.attachment_size} B (SHA-256 compared)"
        )
    return f"{size} B decoded = original (SHA-256)"
