"""SEARCH BODY/TEXT decode each part chunk by chunk: a match across a chunk edge (even
inside a multi-byte character) is found, and searching a 30 MB message over real IMAP
keeps the server's peak far below its size."""

from __future__ import annotations

import base64
import io
import tracemalloc
from pathlib import Path

import pytest

from mailcore import mime
from mailcore.imap.search import body_contains
from tests.config_factory import make_config
from tests.imap_support import IMAP, ServerThread

_EDGE = 256 * 1024  # mime.body's read chunk: where decoded chunks end
_BIG = 30 << 20


def _message(body: bytes, encoding: str = "8bit", charset: str = "utf-8") -> bytes:
    return (
        b"Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
        b"--B\nContent-Type: text/plain; charset=" + charset.encode() + b"\n"
        b"Content-Transfer-Encoding: " + encoding.encode() + b"\n\n" + body + b"\n--B--\n"
    )


@pytest.mark.parametrize("shift", [-7, -3, -1, 0, 1, 2])
def test_a_match_across_a_chunk_edge_is_found(shift: int) -> None:
    """ "ZÜRICH" finds "Zürich" wherever the chunk edge falls in it."""
    body = b"a" * (_EDGE + shift) + "Zürich".encode() + b" b" * 10  # 7 bytes: edge inside
    part = mime.scan_file(io.BytesIO(_message(body)))
    f = io.BytesIO(_message(body))
    assert body_contains(f, part, "ZÜRICH".casefold())
    assert not body_contains(f, part, "zurich")


def test_encoded_and_charset_parts_are_decoded() -> None:
    """base64 in ISO-8859-1 and quoted-printable are searched decoded."""
    latin = base64.encodebytes(("x" * 700_000 + "déjà vu").encode("latin-1"))
    raw = _message(latin, "base64", "iso-8859-1")
    assert body_contains(io.BytesIO(raw), mime.scan_file(io.BytesIO(raw)), "DÉJÀ".casefold())
    qp = _message(b"caf=C3=A9 au lait", "quoted-printable")
    assert body_contains(io.BytesIO(qp), mime.scan_file(io.BytesIO(qp)), "café")


def _write_big(path: Path) -> None:
    """A 30 MB message: a short text, then a base64 attachment ending with a marker."""
    block = base64.encodebytes(b"q" * 57 * 1000)
    with open(path, "wb") as f:
        f.write(_message(b"hello").removesuffix(b"\n--B--\n"))
        f.write(b"\n--B\nContent-Type: application/octet-stream\n")
        f.write(b"Content-Transfer-Encoding: base64\n\n")
        for _ in range(_BIG // len(block)):
            f.write(block)
        f.write(base64.encodebytes(b"needle-at-the-end") + b"--B--\n")


def test_search_of_a_large_message_is_bounded(tmp_path: Path) -> None:
    """SEARCH BODY over a 30 MB message finds the marker at its end, TEXT too, and a
    missing word is not found; the server's peak stays far below the message."""
    setup = make_config(tmp_path, IMAP)
    cur = setup.paths.maildirs / "example.be" / "alice" / "cur"
    cur.mkdir(parents=True)
    _write_big(cur / "1700000000.M1P1.host:2,")
    srv = ServerThread(setup.config).start()
    try:
        c = srv.connect(timeout=120)
        assert c.select("INBOX", readonly=True)[0] == "OK"
        c.search(None, "ALL")  # the tree is cached before measuring
        tracemalloc.start()
        try:
            found = c.search(None, "BODY", '"NEEDLE-AT-THE-END"')
            text = c.search(None, "TEXT", "hello")
            missing = c.search(None, "BODY", "haystack")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        c.logout()
    finally:
        srv.stop()
    assert found == ("OK", [b"1"]) and text == ("OK", [b"1"]) and missing == ("OK", [b""])
    assert peak < 8 << 20, f"peak {peak} bytes"
