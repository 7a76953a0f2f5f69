"""Differential tests: the same imaplib script against pmemail and Dovecot.

Both servers read copies of one Maildir built from ``tests/data/corpus``; the
parsed ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE, BODY[section] answers and
SEARCH results must be equal. Messages are matched by their header bytes, so
the two servers may number them differently. Needs Debian ``dovecot-imapd``.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.config_factory import make_config
from tests.dovecot_support import DovecotServer, missing, run_dovecot
from tests.imap_parse import parse_fetch
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread

CORPUS = Path(__file__).parent / "data" / "corpus"

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

SECTIONS = [
    "BODY.PEEK[]",
    "BODY.PEEK[HEADER]",
    "BODY.PEEK[TEXT]",
    "BODY.PEEK[1]",
    "BODY.PEEK[1.MIME]",
    "BODY.PEEK[2]",
    "BODY.PEEK[2.MIME]",
    "BODY.PEEK[1.1]",
    "BODY.PEEK[2.HEADER]",
    "BODY.PEEK[2.TEXT]",
    "BODY.PEEK[2.1]",
    "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]",
    "BODY.PEEK[HEADER.FIELDS.NOT (TO)]",
    "BODY.PEEK[]<10.50>",
    "BODY.PEEK[TEXT]<0.20>",
]
SEARCHES = [
    "ALL",
    "SEEN",
    "UNSEEN",
    "SUBJECT plain",
    "FROM alice",
    "TO bob",
    "CC example",
    "BODY invoice",
    "TEXT lundi",
    "HEADER Message-ID fwd",
    'HEADER X-Empty ""',
    "LARGER 700",
    "SMALLER 300",
    "OR FROM bob SUBJECT groups",
    "NOT FROM alice",
    "SENTSINCE 15-Mar-2023",
    "SENTBEFORE 1-Mar-2023",
    "SENTON 6-Mar-2023",
    "2:4",
    "2:* UNSEEN",
    "SUBJECT R\u00e9union",
    "BODY r\u00e9union",
    'FROM "Fran\u00e7ois"',
    "SUBJECT Gr\u00fc\u00dfe",
]


def _fill(cur: Path) -> None:
    cur.mkdir(parents=True, exist_ok=True)
    for i, src in enumerate(sorted(CORPUS.glob("*.eml"))):
        flags = "S" if i % 2 == 0 else ""
        dest = cur / f"{1_600_000_000 + i}.M{i}P1Q1.corpus:2,{flags}"
        shutil.copyfile(src, dest)
        os.utime(dest, (1_600_000_000 + i * 60, 1_600_000_000 + i * 60))


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """(pmemail client, Dovecot client), both logged in with INBOX selected."""
    base = tmp_path_factory.mktemp("diff")
    setup = make_config(base / "pm", IMAP)
    config = setup.config
    ours_dir = setup.paths.maildirs / "example.be" / "alice"
    for sub in ("new", "tmp"):
        (ours_dir / sub).mkdir(parents=True, exist_ok=True)
    _fill(ours_dir / "cur")
    theirs_dir = base / "dovecot-mail"
    _fill(theirs_dir / "cur")
    server = ServerThread(config).start()
    clients: list[Any] = []
    with run_dovecot(user=USER, password=PASSWORD, maildir=theirs_dir) as dovecot:
        _LOGS.append(dovecot)
        try:
            yield _connect(server, dovecot, clients)
        finally:
            for client in clients:
                try:
                    client.logout()
                except (imaplib.IMAP4.error, OSError):
                    client.shutdown()  # an aborted session still holds its socket
            server.stop()


def _connect(server: ServerThread, dovecot: DovecotServer, clients: list[Any]) -> tuple[Any, Any]:
    """Log in to both and select INBOX; the clients are appended to ``clients``."""
    clients.append(server.connect())
    clients.append(imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=10))
    clients[1].login(USER, PASSWORD)
    for client in clients:
        assert client.select("INBOX")[0] == "OK"
    return clients[0], clients[1]


_LOGS: list[DovecotServer] = []


def _keyed(client: Any, items: str) -> tuple[dict[str, dict[str, Any]], dict[int, str]]:
    """FETCH results keyed by a hash of each message's header; and seq -> key."""
    try:
        typ, data = client.fetch("1:*", f"(BODY.PEEK[HEADER] {items})")
    except imaplib.IMAP4.error as exc:  # show Dovecot's side of an internal error
        raise AssertionError(f"{exc}\n{_LOGS[-1].log()[-3000:] if _LOGS else ''}") from exc
    assert typ == "OK", data
    out: dict[str, dict[str, Any]] = {}
    keys: dict[int, str] = {}
    for seq, fields in parse_fetch(data).items():
        key = hashlib.sha1(fields.pop("BODY[HEADER]")).hexdigest()[:12]
        out[key] = fields
        keys[seq] = key
    return out, keys


def test_same_message_count(servers: tuple[Any, Any]) -> None:
    """Both see the whole corpus."""
    ours, theirs = servers
    assert ours.select("INBOX")[1] == theirs.select("INBOX")[1]


@pytest.mark.parametrize("item", ["RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY"])
def test_structure_items(servers: tuple[Any, Any], item: str) -> None:
    """ENVELOPE, BODYSTRUCTURE, BODY and RFC822.SIZE are identical."""
    ours, theirs = servers
    assert _keyed(ours, item)[0] == _keyed(theirs, item)[0]


@pytest.mark.parametrize("section", SECTIONS)
def test_body_sections(servers: tuple[Any, Any], section: str) -> None:
    """BODY[section]<partial> bytes are identical."""
    ours, theirs = servers
    assert _keyed(ours, section)[0] == _keyed(theirs, section)[0]


@pytest.mark.parametrize("criteria", SEARCHES)
def test_search(servers: tuple[Any, Any], criteria: str) -> None:
    """SEARCH (CHARSET UTF-8) finds the same messages."""
    results = []
    for client in servers:
        _, keys = _keyed(client, "UID")
        if criteria.isascii():
            typ, data = client.search(None, criteria)
        else:  # the 8-bit string goes as a literal (imaplib's ``literal`` attribute)
            key, _, value = criteria.partition(" ")
            client.literal = value.strip('"').encode()
            typ, data = client.search("UTF-8", key)
        assert typ == "OK", data
        results.append(sorted(keys[int(n)] for n in data[0].split()))
    assert results[0] == results[1]


RECENT_MESSAGE = b"From: a@example.be\r\nSubject: recent\r\n\r\nbody\r\n"


def _recent_script(port: int, deliver: Any) -> list[object]:
    """Who sees \\Recent, as RFC 3501 2.3.2 leaves it to the first session told."""

    def client() -> Any:
        c = imaplib.IMAP4("127.0.0.1", port, timeout=10)
        c.login(USER, PASSWORD)
        return c

    def recent(c: Any) -> object:
        return c.untagged_responses.pop("RECENT", None)

    a, b = client(), client()
    out: list[object] = []
    deliver("1")
    deliver("2")
    out.append(b.status("INBOX", "(MESSAGES RECENT)"))
    a.select("INBOX", readonly=True)
    out += [
        recent(a),
        a.fetch("1:*", "(FLAGS)"),
        a.search(None, "RECENT"),
        a.search(None, "NEW"),
        a.search(None, "OLD"),
    ]
    b.select("INBOX")
    out += [recent(b), b.fetch("1:*", "(FLAGS)"), b.status("INBOX", "(RECENT)")]
    a.close()
    a.select("INBOX", readonly=True)
    out += [recent(a), a.fetch("1:*", "(FLAGS)")]
    deliver("3")
    b.noop()
    out += [recent(b), b.fetch("3", "(FLAGS)"), b.search(None, "NEW")]
    c = client()
    out.append(c.status("INBOX", "(MESSAGES RECENT)"))
    b.logout()
    c.select("INBOX")
    out.append(recent(c))
    for session in (a, c):
        session.logout()
    return out


def test_recent_like_dovecot(tmp_path: Path) -> None:
    """\\Recent, RECENT counts and SEARCH RECENT/NEW/OLD match Dovecot's, session by session."""
    setup = make_config(tmp_path / "pm", IMAP)
    config = setup.config
    ours_dir = setup.paths.maildirs / "example.be" / "alice"
    for sub in ("new", "cur", "tmp"):
        (ours_dir / sub).mkdir(parents=True, exist_ok=True)
    server = ServerThread(config).start()
    try:
        ours = _recent_script(
            server.port, lambda n: (ours_dir / "new" / f"{n}.r.host").write_bytes(RECENT_MESSAGE)
        )
    finally:
        server.stop()
    with run_dovecot(user=USER, password=PASSWORD) as dovecot:
        theirs = _recent_script(dovecot.port, lambda n: dovecot.put(f"{n}.r.host", RECENT_MESSAGE))
    assert ours == theirs
