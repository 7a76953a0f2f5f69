"""UIDVALIDITY is never handed out twice for a user (RFC 3501 2.3.1.1).

"If unique identifiers from an earlier session fail to persist in this
session, the unique identifier validity value MUST be greater than the one
used in the earlier session" and a mailbox name re-used for a new mailbox
must not reuse the old UIDVALIDITY. The clock is frozen here, so "within the
same second" is what every test exercises, without relying on timing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mailcore.imap.fetch import MessageCache
from mailcore.mailstore import MailStore
from mailcore.mailstore import mailbox as mailbox_module
from tests.config_factory import make_config
from tests.imap_support import IMAP, USER, ServerThread, sample_message

FROZEN = 1_800_000_000  # every folder below is created "in the same second"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mail store's clock stands still."""
    monkeypatch.setattr(mailbox_module, "time", SimpleNamespace(time=lambda: float(FROZEN)))


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A loopback IMAP server."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    yield srv
    srv.stop()


def _uidvalidity(client: Any, name: str) -> int:
    typ, data = client.status(name, "(UIDVALIDITY)")
    assert typ == "OK", data
    found = re.search(rb"UIDVALIDITY (\d+)", data[0])
    assert found, data
    return int(found[1])


def _fetch_subject_and_body(client: Any) -> bytes:
    typ, data = client.fetch("1", "(ENVELOPE BODYSTRUCTURE BODY.PEEK[])")
    assert typ == "OK", data
    return b"".join(part if isinstance(part, bytes) else b"".join(part) for part in data)


def test_delete_recreate_append_cycle_gets_new_uidvalidity_and_new_content(
    server: ServerThread,
) -> None:
    """DELETE + CREATE of one name in the same second: a new, larger UIDVALIDITY each
    time, and FETCH answers with the new message, never the deleted one's cached tree."""
    client = server.connect()
    seen: list[int] = []
    for round_ in range(4):
        assert client.create("Reused")[0] == "OK"
        subject = f"message {round_}"
        body = f"body of round {round_}\r\n"
        assert client.append("Reused", None, None, sample_message(subject, body))[0] == "OK"
        seen.append(_uidvalidity(client, "Reused"))
        typ, data = client.select("Reused")
        assert typ == "OK", data
        assert client.untagged_responses["UIDVALIDITY"][-1] == str(seen[-1]).encode()
        answer = _fetch_subject_and_body(client)
        assert f"Subject: {subject}".encode() in answer
        assert body.encode() in answer
        assert f'"{subject}"'.encode() in answer  # the ENVELOPE's subject
        for earlier in range(round_):
            assert f"message {earlier}".encode() not in answer
        assert client.delete("Reused")[0] == "OK"
    assert seen == sorted(set(seen)), seen
    client.logout()


def test_many_mailboxes_in_one_second_get_strictly_increasing_uidvalidity(
    server: ServerThread,
) -> None:
    """Twenty CREATEs in the same second: twenty distinct, increasing values, all above
    the folders made before, even after deleting the newest ones."""
    client = server.connect()
    inbox = _uidvalidity(client, "INBOX")
    values = []
    for i in range(20):
        assert client.create(f"Box{i:02d}")[0] == "OK"
        values.append(_uidvalidity(client, f"Box{i:02d}"))
    assert values == sorted(set(values)) and values[0] > inbox
    for i in range(10, 20):
        assert client.delete(f"Box{i:02d}")[0] == "OK"
    assert client.create("After")[0] == "OK"
    assert _uidvalidity(client, "After") > values[-1]
    client.logout()


def test_uidvalidity_counter_survives_a_restart(tmp_path: Path) -> None:
    """The highest value handed out persists: after a restart (clock unchanged), a
    re-created name gets more than the deleted mailbox had."""
    config = make_config(tmp_path, IMAP).config
    first = ServerThread(config).start()
    client = first.connect()
    assert client.create("Gone")[0] == "OK"
    before = _uidvalidity(client, "Gone")
    assert client.delete("Gone")[0] == "OK"
    client.logout()
    first.stop()
    second = ServerThread(config).start()
    try:
        client = second.connect()
        assert client.create("Gone")[0] == "OK"
        assert _uidvalidity(client, "Gone") > before
        client.logout()
    finally:
        second.stop()


def test_store_hands_out_increasing_values_across_reopen(tmp_path: Path) -> None:
    """The store itself: delete + create and a reopened index never repeat a value."""
    store = MailStore(tmp_path)
    box = store.mailbox(USER)
    box.create("A")
    first = box.folder("A").uidvalidity
    box.delete("A")
    box.create("A")
    second = box.folder("A").uidvalidity
    box.delete("A")
    store.close()
    box = MailStore(tmp_path).mailbox(USER)
    box.create("A")
    assert first < second < box.folder("A").uidvalidity
    box.close()


def test_message_cache_forgets_a_deleted_folder(tmp_path: Path) -> None:
    """DELETE drops the folder's cached MIME trees and rendered structures."""
    box = MailStore(tmp_path).mailbox(USER)
    box.create("Doomed")
    kept, doomed = box.folder("INBOX"), box.folder("Doomed")
    kept.append(sample_message("kept"))
    doomed.append(sample_message("doomed"))
    cache = MessageCache()
    for folder in (kept, doomed):
        rec = folder.messages[0]
        cache.get(folder, rec)
        cache.keep_rendered(folder, rec, "ENVELOPE", b"ENVELOPE ()")
    cache.forget(box.delete("Doomed"))
    assert cache.rendered_item(doomed, doomed.messages[0], "ENVELOPE") is None
    assert cache.rendered_item(kept, kept.messages[0], "ENVELOPE") == b"ENVELOPE ()"
    assert [k[0] for k in cache.rendered] == [str(kept.path)]
    box.close()


def test_rendered_structures_are_bounded_in_bytes(tmp_path: Path) -> None:
    """Big BODYSTRUCTUREs of a whole folder never hold more than the byte bound."""
    box = MailStore(tmp_path).mailbox(USER)
    inbox = box.folder("INBOX")
    inbox.append(sample_message("one"))
    rec = inbox.messages[0]
    cache = MessageCache()
    item = b"x" * 100_000
    for uid in range(1, 200):  # 20 MB offered
        rec.uid = uid
        cache.keep_rendered(inbox, rec, "BODYSTRUCTURE", item)
    held = sum(map(len, cache.rendered.values()))
    assert held <= 4 << 20 and len(cache.rendered) == held // len(item)
    rec.uid = 199
    assert cache.rendered_item(inbox, rec, "BODYSTRUCTURE") == item  # the newest stay
    box.close()
