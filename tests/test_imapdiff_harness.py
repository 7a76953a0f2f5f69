"""Shared harness of the ``test_imapdiff_*`` modules (no tests in here).

(Named ``test_*`` only because that prefix is this area's file ownership.)
The corpus (``tests/data/corpus/*.eml``) is delivered by pmemail's own
``MaildirDelivery`` into a user's Maildir; Dovecot (Debian ``dovecot-imapd``,
``tests.dovecot_support``) serves a copy of that Maildir. ``open_sides()``
yields a logged-in imaplib client on each, wrapped in ``Side``, which maps
sequence numbers and UIDs to corpus file names from the message bytes (CRs
removed), so answers are compared per message, never per number. The
normalizers turn ENVELOPE/BODYSTRUCTURE into comparable Python structures.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mailcore.delivery import MaildirDelivery, maildir_path
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config
from tests.dovecot_support import missing, run_dovecot
from tests.imap_parse import parse_fetch
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread

CORPUS = sorted((Path(__file__).parent / "data" / "corpus").glob("*.eml"))
NAMES = [p.name for p in CORPUS]
DAY = 86400
BASE_TIME = 1_682_942_400  # 2023-05-01 12:00 UTC: noon keeps dates stable in any TZ
SKIP_WITHOUT_DOVECOT = pytest.mark.skipif(
    missing(("imap",)) is not None, reason=missing(("imap",)) or ""
)


def content_key(data: bytes) -> str:
    """A message identity that survives LF -> CRLF conversion on the wire."""
    return hashlib.sha256(data.replace(b"\r", b"")).hexdigest()


BY_KEY = {content_key(p.read_bytes()): p.name for p in CORPUS}


@dataclass
class Side:
    """One server's logged-in client and what it numbers each corpus file."""

    label: str
    client: imaplib.IMAP4
    port: int
    deliver: Callable[[bytes], None]  # as the MDA would, behind the server's back
    seq_names: dict[int, str] = field(default_factory=dict)
    uids: dict[str, int] = field(default_factory=dict)
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)

    def connect(self) -> imaplib.IMAP4:
        """Another session, logged in as the same user (nothing selected)."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def raw(
        self, line: str, client: imaplib.IMAP4 | None = None
    ) -> tuple[bytes, bytes, list[bytes]]:
        """Send one command line as is: (tagged status, its text, untagged lines).

        imaplib drops the response code of tagged answers (COPYUID), keeps
        unsolicited answers out of reach and refuses some malformed commands,
        so this speaks the wire directly (literals only as LITERAL+). A literal
        in an answer stays in its line: ``{n}`` CRLF, then its n bytes.
        """
        client = client or self.client
        tag = client._new_tag()
        client.send(tag + b" " + line.encode() + b"\r\n")
        untagged: list[bytes] = []
        while True:
            got = read_response_line(client)
            if got.startswith(tag + b" "):
                status, _, text = got[len(tag) + 1 :].partition(b" ")
                return status, text, untagged
            untagged.append(got)

    def learn(self, by_key: dict[str, str]) -> None:
        """Map sequence numbers and UIDs to corpus names from the message bytes."""
        self.seq_names.clear()
        self.cache.clear()
        typ, data = self.client.fetch("1:*", "(UID BODY.PEEK[])")
        assert typ == "OK", data
        if data == [None]:  # empty mailbox
            return
        for seq, fields in parse_fetch(data).items():
            name = by_key.get(content_key(fields["BODY[]"]), f"unknown-{seq}")
            self.seq_names[seq] = name
            self.uids[name] = int(fields["UID"])

    def fetch(self, item: str) -> dict[str, Any]:
        """``{corpus name: value}`` for one FETCH item over all messages (cached)."""
        if item not in self.cache:
            typ, data = self.client.fetch("1:*", f"(UID {item})")
            assert typ == "OK", f"{self.label}: {data}"
            out = {}
            for seq, fields in parse_fetch(data).items():
                fields.pop("UID", None)
                assert len(fields) == 1, f"{self.label}: {fields}"
                out[self.seq_names[seq]] = next(iter(fields.values()))
            self.cache[item] = out
        return self.cache[item]

    def search(
        self, criteria: str, charset: str | None = None, literal: str | None = None
    ) -> list[str]:
        """Corpus names that SEARCH returns, sorted."""
        if literal is not None:
            # imaplib sends the next argument as this literal (typeshed says str)
            self.client.literal = literal.encode()  # type: ignore[assignment]
        typ, data = self.client.search(charset, criteria)
        assert typ == "OK", f"{self.label}: {data}"
        return sorted(self.seq_names[int(n)] for n in data[0].split())


_LITERAL_AT_END = re.compile(rb"~?\{(\d+)\}$")


def read_response_line(client: imaplib.IMAP4) -> bytes:
    """One response line without its CRLF, with the literals it carries (``{n}`` CRLF
    and the n bytes, then the rest of the line), so a literal holding CRLF or a line
    that looks like a tag is never taken for a response of its own."""
    got: bytes = client._get_line()
    while m := _LITERAL_AT_END.search(got):
        got += b"\r\n" + client.read(int(m[1])) + client._get_line()
    return got


def _deliver_corpus(config: Config, corpus: list[Path]) -> Path:
    """Deliver every corpus file with pmemail's delivery; dated one day apart."""
    paths = DataPaths.from_config(config)
    delivery = MaildirDelivery(paths, fsync=False)
    box = maildir_path(paths, USER)
    seen: set[str] = set()
    for i, src in enumerate(corpus):
        delivery.deliver_sync(src, [USER])
        new = [p for p in (box / "new").iterdir() if p.name not in seen]
        assert len(new) == 1, new
        seen.add(new[0].name)
        stamp = BASE_TIME + i * DAY  # INTERNALDATE is the file's mtime in both servers
        os.utime(new[0], (stamp, stamp))
    return box


@contextmanager
def open_sides(
    data_dir: Path, corpus: list[Path] = CORPUS, dovecot_config: str = ""
) -> Iterator[tuple[Side, Side]]:
    """(pmemail, Dovecot), both logged in as the same user with INBOX selected, over
    ``corpus`` (the ``.eml`` files to deliver; ``tests/data/corpus`` by default);
    ``dovecot_config``: more dovecot.conf lines."""
    config = make_config(data_dir, IMAP).config
    server = ServerThread(config).start()
    box = _deliver_corpus(config, corpus)
    by_key = {content_key(p.read_bytes()): p.name for p in corpus}
    # a first login lets pmemail create its special-use folders before the copy
    server.connect().logout()
    try:
        with run_dovecot(
            ("imap",), user=USER, password=PASSWORD, maildir=box, extra_config=dovecot_config
        ) as dovecot:
            delivery = MaildirDelivery(server.paths, fsync=False)
            spool = data_dir / "incoming.eml"

            def deliver_ours(data: bytes) -> None:
                spool.write_bytes(data)
                delivery.deliver_sync(spool, [USER])

            def deliver_theirs(data: bytes) -> None:
                dovecot.put(f"{time.time():.6f}.corpus-{content_key(data)[:8]}", data)

            ours = Side("pmemail", server.connect(), server.port, deliver_ours)
            client = imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=10)
            client.login(USER, PASSWORD)
            theirs = Side("dovecot", client, dovecot.port, deliver_theirs)
            for side in (ours, theirs):
                typ, data = side.client.select("INBOX")
                assert typ == "OK", data
                side.learn(by_key)
            try:
                yield ours, theirs
            finally:
                for side in (ours, theirs):
                    side.client.logout()
    finally:
        server.stop()


# ---------------------------------------------------------------- normalizing


def _low(value: Any) -> Any:
    return value.lower() if isinstance(value, (bytes, str)) else value


def _params(value: Any) -> Any:
    """Body parameters: names are case-insensitive (RFC 2045), so is a charset."""
    if not isinstance(value, list):
        return value
    pairs = [(_low(value[i]), value[i + 1]) for i in range(0, len(value) - 1, 2)]
    # sorted: parameters are unordered (Dovecot appends the default charset last)
    return sorted((k, _low(v) if k == b"charset" else v) for k, v in pairs)


def _disposition(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [_low(value[0]), _params(value[1])]


def envelope(env: Any) -> Any:
    """ENVELOPE as a tuple; address lists as tuples of 4-tuples."""
    if not isinstance(env, list) or len(env) != 10:
        return env
    out = list(env)
    for i in range(2, 8):
        if isinstance(out[i], list):
            out[i] = [tuple(a) for a in out[i]]
    return tuple(out)


def body(part: Any, extension: bool = False) -> Any:
    """BODY/BODYSTRUCTURE with only the standard fields (RFC 3501 7.4.2).

    With ``extension`` only the extension data is kept instead. Extension data
    is optional ("MAY be returned"), so the standard comparison leaves it out
    and ``BODYSTRUCTURE-EXT`` compares just what both servers sent.
    """
    if not isinstance(part, list) or not part:
        return part
    if isinstance(part[0], list):  # multipart: parts..., subtype, [ext...]
        n = next(i for i, p in enumerate(part) if not isinstance(p, list))
        children = [body(p, extension) for p in part[:n]]
        if extension:
            return {
                "parts": children,
                "ext": [
                    _params(part[n + 1]) if len(part) > n + 1 else None,
                    *[_disposition(x) for x in part[n + 2 : n + 3]],
                    *part[n + 3 :],
                ],
            }
        return {"parts": children, "subtype": _low(part[n])}
    mtype, subtype = _low(part[0]), _low(part[1])
    std = 7
    if mtype == b"text":
        std = 8
    elif (mtype, subtype) == (b"message", b"rfc822"):
        std = 10
    if extension:
        ext = part[std:]
        nested = [body(part[8], True)] if std == 10 else []
        return [*nested, ext[0] if ext else None, *[_disposition(x) for x in ext[1:2]], *ext[2:]]
    fields = [mtype, subtype, _params(part[2]), part[3], part[4], _low(part[5]), *part[6:std]]
    if std == 10:
        fields[7] = envelope(fields[7])
        fields[8] = body(fields[8])
    return fields


def trim_common(a: Any, b: Any) -> tuple[Any, Any]:
    """Extension data compared only as far as both servers sent it."""
    if isinstance(a, dict) and isinstance(b, dict):
        pairs = [trim_common(x, y) for x, y in zip(a["parts"], b["parts"], strict=False)]
        ea, eb = trim_common(a["ext"], b["ext"])
        return (
            {"parts": [p[0] for p in pairs], "ext": ea},
            {"parts": [p[1] for p in pairs], "ext": eb},
        )
    if isinstance(a, list) and isinstance(b, list):
        n = min(len(a), len(b))
        pairs = [
            trim_common(x, y) if isinstance(x, dict) else (x, y)
            for x, y in zip(a[:n], b[:n], strict=True)
        ]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    return a, b


NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "ENVELOPE": envelope,
    "BODYSTRUCTURE": body,
    "BODY": body,
}
