"""The shared MIME scanner streams: large messages are never held whole, LF files map
exactly onto the CRLF form IMAP counts, and block edges change nothing."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore import mime
from mailcore.maildir import to_crlf
from mailcore.mime import lines as mime_lines
from mailcore.mime.params import decode_param, parse_params
from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread

_ATTACHMENT = 30 << 20  # encoded size of the big part (at least)
_LINES = 1000  # base64 lines written at a time


def _big_message(path: Path) -> None:
    """Write a ~30 MB message with LF line ends (as many Maildir files have) to ``path``."""
    text = b"see the attached archive\n"
    block = base64.encodebytes(os.urandom(57 * _LINES))  # 76-character lines, LF ends
    with open(path, "wb") as f:
        f.write(
            b"From: a@example.be\nTo: b@example.be\nSubject: big\n"
            b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XYZ\n\n"
            b"--XYZ\nContent-Type: text/plain; charset=utf-8\n\n" + text + b"--XYZ\n"
            b"Content-Type: application/zip; name=big.zip\n"
            b"Content-Transfer-Encoding: base64\n\n"
        )
        written = 0
        while written < _ATTACHMENT:
            f.write(block)
            written += len(block)
        f.write(b"--XYZ\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n--XYZ--\n")


def test_bodystructure_of_a_large_message_does_not_read_it_whole(tmp_path: Path) -> None:
    """BODYSTRUCTURE and a partial BODY[2] of a 30 MB LF message over real IMAP: the
    answers are right and the server's peak memory stays far below the message size."""
    setup = make_config(tmp_path, IMAP)
    config = setup.config
    cur = setup.paths.maildirs / "example.be" / "alice" / "cur"
    cur.mkdir(parents=True)
    path = cur / "1700000000.M1P1.host:2,"
    _big_message(path)
    srv = ServerThread(config).start()
    try:
        c = srv.connect(timeout=120)
        assert c.select("INBOX", readonly=True) == ("OK", [b"1"])  # indexes the file first
        tracemalloc.start()
        try:
            typ, data = c.fetch("1", "(BODYSTRUCTURE BODY.PEEK[2]<0.60> BODY.PEEK[3.HEADER])")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        c.logout()
    finally:
        srv.stop()
    assert typ == "OK"
    assert peak < 8 << 20, f"peak {peak} bytes for a {path.stat().st_size} byte message"
    head = data[0][0]
    lines = -(-_ATTACHMENT // (77 * _LINES)) * _LINES
    size = lines * 78 - 2  # CRLF on the wire; the last one belongs to the boundary
    assert b'("application" "zip" ("name" "big.zip") NIL NIL "base64" %d' % size in head
    assert b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 24 0' in head
    raw = path.read_bytes()
    body_start = raw.index(b"base64\n\n") + len(b"base64\n\n")
    assert data[0][1] == to_crlf(raw[body_start : body_start + 60])[:60]
    assert data[1][1] == b"Subject: inner\r\n\r\n"


def test_lf_file_offsets_are_those_of_its_crlf_form(tmp_path: Path) -> None:
    """A message stored with LF ends gives the same CRLF offsets, sizes, line counts and
    section bytes as the same message stored with CRLF."""
    path = tmp_path / "m"
    _small = (
        b"Subject: s\nContent-Type: multipart/mixed; boundary=b\n\npre\n--b\n"
        b"Content-Type: text/plain\n\none\r\ntwo\n--b\nContent-Type: message/rfc822\n\n"
        b"Subject: in\n\nx\n--b--\nepilogue\n"
    )
    path.write_bytes(_small)
    lf = mime.scan(path)
    crlf = mime.parse_bytes(to_crlf(_small))

    def shape(p: mime.Part) -> list[object]:
        kids = [shape(c) for c in p.children] + ([shape(p.message)] if p.message else [])
        return [p.start, p.body, p.end, p.lines, p.content_type, kids]

    assert shape(lf) == shape(crlf)
    with open(path, "rb") as f:
        text = mime.body_bytes(f, lf.children[0])
        inner = lf.children[1].message
        assert inner is not None
        assert (text, mime.header_bytes(f, inner)) == (b"one\r\ntwo", b"Subject: in\r\n\r\n")
        assert mime.body_bytes(f, lf.children[0], (3, 4)) == b"\r\ntw"
    assert [p.number for p in lf.parts] == [1, 2]  # the enclosed message is one leaf


_TOKENS = st.sampled_from(
    [
        *(b"--b", b"--b--", b"--c", b"--c--", b"\r\n", b"\n", b"\r", b"x" * 90, b"-", b"\n\n"),
        b"Content-Type: multipart/mixed; boundary=c\n",
        b"Content-Type: message/rfc822\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=40))
def test_block_edges_change_nothing(tokens: list[bytes]) -> None:
    """Scanning with tiny blocks (every line and CRLF split across reads) gives the same
    tree as with normal ones."""
    raw = b"Content-Type: multipart/mixed; boundary=b\n\n--b\n" + b"".join(tokens)

    def shape(p: mime.Part) -> list[object]:
        kids = [shape(c) for c in p.children] + ([shape(p.message)] if p.message else [])
        return [p.start, p.body, p.end, p.raw_start, p.raw_body, p.raw_end, p.lines, kids]

    normal = shape(mime.parse_bytes(raw))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mime_lines, "_BLOCK", 7)
        mp.setattr(mime_lines, "_FIRST_BLOCK", 3)
        assert shape(mime.parse_bytes(raw)) == normal


def test_rfc2231_params_kept_for_imap_and_decoded_for_people() -> None:
    """Continuations are joined once; IMAP sees them encoded, a download name decoded."""
    value, params = parse_params(
        b"attachment; filename*0*=utf-8''r%C3%A9sum; filename*1*=%C3%A9.pdf; size=3"
    )
    assert value == "attachment"
    assert params == [("filename*", "utf-8''r%C3%A9sum%C3%A9.pdf"), ("size", "3")]
    assert decode_param(params, "filename") == "r\u00e9sum\u00e9.pdf"
    _, quoted = parse_params(b'attachment; filename="=?utf-8?q?caf=C3=A9?=.txt"')
    assert decode_param(quoted, "filename") == "caf\u00e9.txt"


def test_header_lines_that_are_delimiters_end_the_part() -> None:
    """A part whose header runs into the next delimiter ends there (Dovecot's view)."""
    raw = (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX: 1\r\n--b\r\n\r\nz\r\n--b--\r\n"
    )
    root = mime.parse_bytes(raw)
    first, second = root.children
    assert first.headers == [("x", b" 1")] and first.body == first.end
    f = io.BytesIO(raw)
    assert mime.body_bytes(f, second) == b"z"


def _read_literal_response(sock: socket.socket, tag: bytes) -> tuple[bytes, int, str, bytes]:
    """Read one FETCH answer with a single literal, hashing the literal as it comes.

    Returns the line before the literal, the literal's length, its SHA-256 and the
    tagged status line. Only the client's small buffer is held, so tracemalloc
    measures the server.
    """
    stream = sock.makefile("rb", buffering=1 << 16)
    head = stream.readline()
    length = int(head[head.rindex(b"{") + 1 : head.rindex(b"}")])
    digest = hashlib.sha256()
    left = length
    while left:
        chunk = stream.read(min(left, 1 << 16))
        assert chunk, "connection closed inside the literal"
        digest.update(chunk)
        left -= len(chunk)
    assert stream.readline() == b")\r\n"
    status = stream.readline()
    assert status.startswith(tag + b" OK"), status
    return head, length, digest.hexdigest(), status


def test_fetch_of_a_large_message_streams_from_the_file(tmp_path: Path) -> None:
    """BODY.PEEK[] and a 2 MB window of a 30 MB LF message over a real socket: the bytes
    are the stored message in CRLF form, and the server never holds the literal."""
    setup = make_config(tmp_path, IMAP)
    cur = setup.paths.maildirs / "example.be" / "alice" / "cur"
    cur.mkdir(parents=True)
    path = cur / "1700000000.M1P1.host:2,"
    _big_message(path)
    wire = to_crlf(path.read_bytes())
    srv = ServerThread(setup.config).start()
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=120) as sock:
            sock.recv(4096)  # greeting
            sock.sendall(f'a1 LOGIN {USER} "{PASSWORD}"\r\na2 SELECT INBOX\r\n'.encode())
            answers = b""
            while b"a2 OK" not in answers:
                answers += sock.recv(4096)
            tracemalloc.start()
            try:
                sock.sendall(b"a3 FETCH 1 (BODY.PEEK[])\r\n")
                whole = _read_literal_response(sock, b"a3")
                sock.sendall(b"a4 FETCH 1 (BODY.PEEK[]<1000.2000000>)\r\n")
                window = _read_literal_response(sock, b"a4")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    finally:
        srv.stop()
    assert whole[0] == b"* 1 FETCH (BODY[] {%d}\r\n" % len(wire)
    assert whole[2] == hashlib.sha256(wire).hexdigest()
    assert window[0] == b"* 1 FETCH (BODY[]<1000> {2000000}\r\n"
    assert window[2] == hashlib.sha256(wire[1000:2001000]).hexdigest()
    assert peak < 8 << 20, f"peak {peak} bytes for a {len(wire)} byte message"
