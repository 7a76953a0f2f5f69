"""DKIM signing of outgoing mail: keys, the streamed body hash, independent verifiers."""

from __future__ import annotations

import email.utils
import stat
from io import BytesIO
from pathlib import Path

import dkim
import pytest
from dkim.canonicalization import Relaxed
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.dkim.body_hash import RelaxedBodyHash
from mailcore.dkim.keys import DkimKeys
from mailcore.dkim.signer import DkimSigner, SignError
from mailcore.dotstuff import segments
from tests.dns_support import opendkim_verify, txt
from tests.queue_support import LOCAL, Sink, fast_config, make_office, smarthost, wait_until

HEADER = (
    b"From: Alice <alice@example.be>\r\nTo: bob@remote.test\r\nSubject: hi  there\r\n"
    b"Date: Wed, 2 Dec 2026 12:00:00 +0000\r\nMessage-ID: <m1@example.be>\r\n\r\n"
)


def expected_hash(body: bytes) -> bytes:
    """dkimpy's relaxed body canonicalization of the body as sent (CRLF-ended), hashed."""
    import hashlib

    if body and not body.endswith(b"\n"):
        body += b"\r\n"  # the queue ends an unended last line (mailcore.dotstuff)
    lines = body.replace(b"\r\n", b"\n").split(b"\n")
    crlf = b"\r\n".join(lines)
    return hashlib.sha256(Relaxed.canonicalize_body(crlf)).digest()


def streamed_hash(body: bytes, limit: int) -> bytes:
    return RelaxedBodyHash().feed_all(segments(BytesIO(body), limit)).digest()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\r\n\r\n",
        b"hello   world \t\r\n\r\n.dot\r\n\r\n \r\n",
        b"  lead\tand\t\ttabs  \r\nno end",
        b"a" * 300 + b"   " + b"b" * 10 + b"\r\n",
        b"x \r\n\r\n \t \r\ny\n",
    ],
)
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 65536])
def test_body_hash_matches_dkimpy(body: bytes, limit: int) -> None:
    """The streamed relaxed hash equals dkimpy's, whatever the piece size."""
    assert streamed_hash(body, limit) == expected_hash(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b" ", b"\t", b"a", b"\r\n", b"\n", b"."]), max_size=40))
def test_body_hash_matches_dkimpy_any(parts: list[bytes]) -> None:
    """Any mix of spaces, tabs, text and line ends, in pieces of 2 bytes."""
    body = b"".join(parts)
    assert streamed_hash(body, 2) == expected_hash(body)


def test_keys_made_private_and_rotated(tmp_path: Path) -> None:
    """The first key is 0600 under a date selector; a rotation keeps the old key."""
    keys = DkimKeys(tmp_path / "dkim")
    first = keys.ensure("example.be", now=1796000000)
    assert first == "pm202611"
    path = keys.key_path("example.be", first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.ensure("example.be") == first  # no new key when one exists
    second = keys.rotate("example.be", now=1796000000)
    assert second != first and keys.selector("example.be") == second
    assert keys.selectors("example.be") == sorted([first, second])
    assert keys.public_txt("example.be", first).startswith("v=DKIM1; k=rsa; p=MIIBIjAN")
    pinned = DkimKeys(tmp_path / "dkim", pinned=first)
    assert pinned.selector("example.be") == first


def sign(tmp_path: Path, message: bytes, domains: list[str] | None = None) -> tuple[bytes, str]:
    keys = DkimKeys(tmp_path / "dkim")
    path = tmp_path / "m.eml"
    path.write_bytes(message)
    signature = DkimSigner(keys, domains or ["example.be"]).signature(path)
    selector = keys.selector("example.be")
    return signature, (keys.public_txt("example.be", selector) if selector else "")


def dkimpy_verify(wire: bytes, key_txt: str) -> bool:
    return bool(dkim.verify(wire, dnsfunc=lambda name, timeout=5: key_txt.encode()))


def test_signature_verified_by_opendkim_and_dkimpy(tmp_path: Path) -> None:
    """opendkim-testmsg (libopendkim) and dkimpy accept it; a changed body fails both."""
    body = b"hello   world \t\r\n\r\n.dot\r\n" + b"z" * 70000 + b"  \r\n\r\n\r\n"
    message = HEADER + body
    signature, key_txt = sign(tmp_path, message)
    assert signature.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    wire = signature + message
    selector = dkim.util.parse_tag_value(signature.split(b":", 1)[1])[b"s"].decode()
    records = [(f"{selector}._domainkey.example.be", "TXT", txt(key_txt))]
    rc, out = opendkim_verify(tmp_path / "ok", wire, records)
    assert rc == 0, out
    assert dkimpy_verify(wire, key_txt)
    tampered = wire.replace(b"hello", b"hellO")
    rc, out = opendkim_verify(tmp_path / "bad", tampered, records)
    assert rc != 0 and "signature" in out.lower()
    assert not dkimpy_verify(tampered, key_txt)


def test_missing_date_is_added_and_signed(tmp_path: Path) -> None:
    """A message without Date (a script, a scanner) gets one, signed: libopendkim checks it."""
    message = HEADER.replace(b"Date: Wed, 2 Dec 2026 12:00:00 +0000\r\n", b"") + b"hello\r\n"
    prefix, key_txt = sign(tmp_path, message)
    signature, date, end = prefix.rpartition(b"Date: ")
    assert signature.startswith(b"DKIM-Signature: ") and date
    assert email.utils.parsedate_to_datetime(end.decode()).tzinfo is not None
    assert b" date " in signature.replace(b"\r\n", b"")  # in h=, so it cannot be swapped
    wire = prefix + message
    assert dkimpy_verify(wire, key_txt)
    selector = dkim.util.parse_tag_value(signature.split(b":", 1)[1])[b"s"].decode()
    records = [(f"{selector}._domainkey.example.be", "TXT", txt(key_txt))]
    rc, out = opendkim_verify(tmp_path / "opendkim", wire, records)
    assert rc == 0, out
    rc, out = opendkim_verify(tmp_path / "unsigned", message, records)
    assert rc != 0 and "syntax" in out.lower()  # why: without Date it is not even read


def test_lf_file_signed_as_sent(tmp_path: Path) -> None:
    """A file stored with LF line ends is signed as the queue sends it (CRLF)."""
    message = HEADER.replace(b"\r\n", b"\n") + b"line one\n\n"
    signature, key_txt = sign(tmp_path, message)
    assert dkimpy_verify(signature + message.replace(b"\n", b"\r\n"), key_txt)


def test_foreign_and_subdomain_from(tmp_path: Path) -> None:
    """Another domain's From is left unsigned; a subdomain is signed by its mail domain."""
    signature, _ = sign(tmp_path, HEADER.replace(b"alice@example.be", b"x@other.test") + b"hi\r\n")
    assert signature == b""
    bounce = HEADER.replace(b"alice@example.be", b"MAILER-DAEMON@mail.example.be")
    signature, key_txt = sign(tmp_path, bounce + b"hi\r\n")
    assert b"d=example.be;" in signature
    assert dkimpy_verify(signature + bounce + b"hi\r\n", key_txt)


def test_malformed_header_is_an_error(tmp_path: Path) -> None:
    """A header block dkimpy cannot parse raises SignError (the queue sends unsigned)."""
    with pytest.raises(SignError):
        sign(tmp_path, b"From: a@example.be\r\nnot a header line\r\n\r\nbody\r\n")


async def test_queue_signs_relayed_mail(tmp_path: Path) -> None:
    """A message queued by the office reaches the smarthost with a DKIM-Signature that
    opendkim-testmsg and dkimpy accept."""
    sink = Sink()
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            spool = office.spool("s1", HEADER + b"hello\r\n.dot\r\n")
            qid = await runner.enqueue(spool, LOCAL, ["bob@remote.test"])
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    ((_, _, content),) = sink.received
    assert content.startswith(b"DKIM-Signature: ")
    keys = DkimKeys(office.paths.dkim_dir)
    selector = keys.selector("example.be")
    key_txt = keys.public_txt("example.be", selector)
    assert dkimpy_verify(content, key_txt)
    records = [(f"{selector}._domainkey.example.be", "TXT", txt(key_txt))]
    rc, out = opendkim_verify(tmp_path / "opendkim", content, records)
    assert rc == 0, out


async def test_queue_sends_unsigned_when_key_unreadable(tmp_path: Path) -> None:
    """A broken key does not keep mail back: the message leaves unsigned."""
    sink = Sink()
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        keys = DkimKeys(office.paths.dkim_dir)
        keys.key_path("example.be", keys.selector("example.be")).write_bytes(b"garbage")
        try:
            qid = await runner.enqueue(office.spool("s1", HEADER + b"x\r\n"), LOCAL, ["b@r.test"])
            await wait_until(lambda: runner.store.load(qid) is None)
        finally:
            await runner.stop()
    ((_, _, content),) = sink.received
    assert content.startswith(b"From: ")
