"""The ``DKIM-Signature`` of a message file, computed without holding the file in memory.

dkimpy signs a message held whole in memory; a queued message may be 150 MB.
So the body hash is streamed here (:mod:`mailcore.dkim.body_hash`) and dkimpy
is handed the header block only, with that hash: it still does what must be
exactly right — which header fields to sign, their relaxed canonicalization,
the tag list, the RSA signature and the folding.

The signing domain is the From address's domain when it is one of the mail
domains (or below one: ``MAILER-DAEMON@mail.example.be`` is signed as
``example.be``). Mail from any other domain is left unsigned.
"""

from __future__ import annotations

import base64
import email.utils
import time
from collections.abc import Iterator
from pathlib import Path

import dkim
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

from mailcore.dkim.body_hash import RelaxedBodyHash
from mailcore.dkim.keys import DkimKeyError, DkimKeys
from mailcore.dotstuff import Segment, segments

MAX_HEADER = 1 << 20  # a header block beyond 1 MiB is hostile: sent unsigned
_CANON = (b"relaxed", b"relaxed")


class SignError(Exception):
    """The message cannot be signed (message for the log)."""


class _HashedBodyDkim(dkim.DKIM):  # type: ignore[misc]  # dkimpy is untyped
    """dkimpy's signer, given the body hash instead of the body."""

    def sign_hashed(self, selector: bytes, domain: bytes, privkey: bytes, bh: bytes) -> bytes:
        # The body of dkim.DKIM.sign (dkimpy 1.1) minus the body canonicalization.
        try:
            pk = parse_pem_private_key(privkey)
        except UnparsableKeyError as err:
            raise SignError(f"unreadable DKIM key: {err}") from err
        policy = CanonicalizationPolicy.from_c_value(b"/".join(_CANON))
        include = tuple(x.lower() for x in self.default_sign_headers())
        self.include_headers = include
        if b"from" not in include:
            raise SignError("no From header field")
        self.hasher = dkim.HASH_ALGORITHMS[self.signature_algorithm]
        fields = [
            (b"v", b"1"),
            (b"a", self.signature_algorithm),
            (b"c", policy.to_c_value()),
            (b"d", domain),
            (b"i", b"@" + domain),
            (b"q", b"dns/txt"),
            (b"s", selector),
            (b"t", str(int(time.time())).encode("ascii")),
            (b"h", b" : ".join(include)),
            (b"bh", base64.b64encode(bh)),
            (b"b", b"0" * 60),  # folds b= onto its own line, as dkimpy does
        ]
        value: bytes = self.gen_header(fields, include, policy, b"DKIM-Signature", pk)
        return b"DKIM-Signature: " + value


class DkimSigner:
    """Signs messages of the office's domains with each domain's current key."""

    def __init__(self, keys: DkimKeys, domains: list[str]) -> None:
        """``domains``: ``mail.domain`` then ``mail.extra_domains``."""
        self.keys = keys
        self.domains = [d.strip().lower().rstrip(".") for d in domains if d.strip()]

    def ensure_keys(self) -> list[str]:
        """Make the first key of every domain that has none; the faults, in words."""
        faults = []
        for domain in self.domains:
            try:
                self.keys.ensure(domain)
            except (DkimKeyError, OSError) as err:
                faults.append(f"no DKIM key for {domain}: {err}")
        return faults

    def signing_domain(self, from_domain: str) -> str:
        """The mail domain that signs for ``from_domain`` ("" = none)."""
        from_domain = from_domain.lower().rstrip(".")
        matches = [d for d in self.domains if from_domain == d or from_domain.endswith("." + d)]
        return max(matches, key=len, default="")

    def signature(self, message: Path) -> bytes:
        """The header fields to send before ``message``: its ``DKIM-Signature`` (CRLF-ended),
        and a signed ``Date`` when the message has none.

        A program that leaves Date out (a script, a scanner) sends a malformed message
        (RFC 5322 §3.6) that verifiers such as libopendkim refuse to check; as the
        submission server, we may add it (RFC 6409 §8.3). Returns ``b""`` when the
        From domain is not one of ours.

        Raises:
            SignError: the message or the key does not allow a signature.
            OSError: the message or the key cannot be read or made.
        """
        with message.open("rb") as f:
            pieces = segments(f)
            header = _header_block(pieces)
            body_hash = RelaxedBodyHash().feed_all(pieces).digest()
        try:
            signer = _HashedBodyDkim(header + b"\r\n")
        except dkim.MessageFormatError as err:
            raise SignError(f"malformed header: {err}") from err
        domain = self.signing_domain(_from_domain(signer.headers))
        if not domain:
            return b""
        added = b""
        if not any(name.lower() == b"date" for name, _ in signer.headers):
            added = b"Date: " + email.utils.formatdate(localtime=True).encode("ascii") + b"\r\n"
            signer = _HashedBodyDkim(header + added + b"\r\n")
        selector = self.keys.ensure(domain)
        pem = self.keys.private_pem(domain, selector)
        try:
            return signer.sign_hashed(selector.encode(), domain.encode(), pem, body_hash) + added
        except dkim.DKIMException as err:
            raise SignError(str(err)) from err


def _header_block(pieces: Iterator[Segment]) -> bytes:
    """The header lines (CRLF-ended), the iterator left at the first body line."""
    out: list[bytes] = []
    size = 0
    for seg in pieces:
        if seg.starts and seg.ends and not seg.data:
            break  # the blank line: the body follows
        out.append(seg.data + (b"\r\n" if seg.ends else b""))
        size += len(seg.data) + 2
        if size > MAX_HEADER:
            raise SignError(f"header block larger than {MAX_HEADER} bytes")
    return b"".join(out)


def _from_domain(headers: list[list[bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"from":
            pairs = email.utils.getaddresses([value.decode("utf-8", "replace")])
            addresses = [addr for _, addr in pairs if "@" in addr]
            return addresses[0].rpartition("@")[2] if addresses else ""
    return ""
