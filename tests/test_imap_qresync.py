"""QRESYNC (RFC 7162 3.2): ENABLE, SELECT (QRESYNC ...), VANISHED, [CLOSED], and the
expunge history the index keeps for it. Transcripts follow the RFC's examples."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.mailstore import expunges
from mailcore.mailstore import index as index_module
from mailcore.mailstore.expunges import ExpungeHistory
from mailcore.mailstore.index import FolderRow, Index
from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message
from tests.test_imap_session import Wire


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server with five messages in INBOX (uids 1..5), none seen."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    assert srv.service is not None
    store = srv.service.settings.store

    async def fill() -> None:  # in the server's loop thread, which owns the store
        folder = store.mailbox(USER).folder("INBOX")
        for n in range(5):
            folder.append(sample_message(f"m{n}"), [], 1_700_000_000.0)

    asyncio.run_coroutine_threadsafe(fill(), srv.loop).result(10)
    yield srv
    srv.stop()


def _login(server: ServerThread, enable: bool = True) -> Wire:
    w = Wire(server.port)
    w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")
    if enable:
        assert w.ask(b"e ENABLE QRESYNC\r\n", b"e") == [
            b"* ENABLED QRESYNC\r\n",
            b"e OK ENABLE completed\r\n",
        ]
    return w


def _state(answer: list[bytes]) -> tuple[int, int]:
    """UIDVALIDITY and HIGHESTMODSEQ of a SELECT answer."""
    text = b"".join(answer).decode()
    uv = re.search(r"\[UIDVALIDITY (\d+)\]", text)
    ms = re.search(r"\[HIGHESTMODSEQ (\d+)\]", text)
    assert uv and ms
    return int(uv.group(1)), int(ms.group(1))


def _untagged(answer: list[bytes], word: bytes) -> list[bytes]:
    return [x for x in answer if word in x]


def test_capability_and_enable(server: ServerThread) -> None:
    """QRESYNC is advertised; ENABLE QRESYNC answers ENABLED QRESYNC (RFC 7162 3.2.3)."""
    with _login(server, enable=False) as w:
        caps = w.ask(b"c CAPABILITY\r\n", b"c")[0].split()
        assert b"QRESYNC" in caps and b"CONDSTORE" in caps
        assert w.ask(b"e ENABLE QRESYNC CONDSTORE\r\n", b"e")[0] == (
            b"* ENABLED QRESYNC CONDSTORE\r\n"
        )


def test_qresync_parameter_needs_enable(server: ServerThread) -> None:
    """RFC 7162 3.2.5: a tagged BAD if the client has not issued ENABLE QRESYNC."""
    with _login(server, enable=False) as w:
        answer = w.ask(b"s SELECT INBOX (QRESYNC (1 1))\r\n", b"s")
        assert answer[-1].startswith(b"s BAD ")


def test_resync_after_another_session_expunged_and_flagged(server: ServerThread) -> None:
    """RFC 7162 3.2.5.1: VANISHED (EARLIER) for the expunged uids, then FETCH of the
    messages changed since the client's modseq, with their MODSEQ."""
    with _login(server) as a:
        uv, highest = _state(a.ask(b"s SELECT INBOX\r\n", b"s"))
    with _login(server, enable=False) as b:
        b.ask(b"s SELECT INBOX\r\n", b"s")
        b.ask(b"f UID STORE 2 +FLAGS.SILENT (\\Flagged)\r\n", b"f")
        b.ask(b"d UID STORE 1,4 +FLAGS.SILENT (\\Deleted)\r\n", b"d")
        b.ask(b"x EXPUNGE\r\n", b"x")
    with _login(server) as a:
        answer = a.ask(b"s SELECT INBOX (QRESYNC (%d %d))\r\n" % (uv, highest), b"s")
        _, now = _state(answer)
        assert _untagged(answer, b"VANISHED") == [b"* VANISHED (EARLIER) 1,4\r\n"]
        fetches = _untagged(answer, b"FETCH")
        assert fetches == [b"* 1 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (%d))\r\n" % (highest + 1)]
        # VANISHED comes before the FETCH lines, after HIGHESTMODSEQ (RFC 7162 3.2.5.1 example)
        assert answer.index(_untagged(answer, b"VANISHED")[0]) < answer.index(fetches[0])
        assert answer[-1] == b"s OK [READ-WRITE] SELECT completed\r\n"
        # known-uids limits VANISHED to the uids the client knows (with seq-match-data too)
        answer = a.ask(b"t SELECT INBOX (QRESYNC (%d %d 2:5 (1:3 1:3)))\r\n" % (uv, highest), b"t")
        assert answer[0] == b"* OK [CLOSED] previous mailbox closed\r\n"
        assert _untagged(answer, b"VANISHED") == [b"* VANISHED (EARLIER) 4\r\n"]
        # nor are the changes of messages outside known-uids reported
        answer = a.ask(b"w SELECT INBOX (QRESYNC (%d %d 3:5))\r\n" % (uv, highest), b"w")
        assert _untagged(answer, b"VANISHED") == [b"* VANISHED (EARLIER) 4\r\n"]
        assert not _untagged(answer, b"FETCH")
        # up to date: nothing vanished, nothing changed
        answer = a.ask(b"u EXAMINE INBOX (QRESYNC (%d %d))\r\n" % (uv, now), b"u")
        assert not _untagged(answer, b"VANISHED") and not _untagged(answer, b"FETCH")
        # another UIDVALIDITY: the client's cache is void, no resync data (RFC 7162 3.2.5)
        answer = a.ask(b"v SELECT INBOX (QRESYNC (%d %d))\r\n" % (uv + 1, highest), b"v")
        assert not _untagged(answer, b"VANISHED") and not _untagged(answer, b"FETCH")


def test_vanished_replaces_expunge(server: ServerThread) -> None:
    """RFC 7162 3.2.10: after ENABLE QRESYNC, expunges are reported as VANISHED uids."""
    with _login(server) as a, _login(server, enable=False) as b:
        a.ask(b"s SELECT INBOX\r\n", b"s")
        b.ask(b"s SELECT INBOX\r\n", b"s")
        b.ask(b"d UID STORE 2:3,5 +FLAGS.SILENT (\\Deleted)\r\n", b"d")
        assert b.ask(b"x EXPUNGE\r\n", b"x")[:3] == [
            b"* 5 EXPUNGE\r\n",
            b"* 3 EXPUNGE\r\n",
            b"* 2 EXPUNGE\r\n",
        ]
        assert a.ask(b"n NOOP\r\n", b"n") == [
            b"* VANISHED 2:3,5\r\n",
            b"n OK NOOP completed\r\n",
        ]
        a.ask(b"d UID STORE 1 +FLAGS.SILENT (\\Deleted)\r\n", b"d")
        vanished, done = a.ask(b"x EXPUNGE\r\n", b"x")
        assert vanished == b"* VANISHED 1\r\n"
        # the new HIGHESTMODSEQ comes with the tagged OK (as Dovecot)
        assert re.fullmatch(rb"x OK \[HIGHESTMODSEQ \d+\] EXPUNGE completed\r\n", done), done
        a.ask(b"c CREATE Archive\r\n", b"c")
        answer = a.ask(b"m UID MOVE 4 Archive\r\n", b"m")  # RFC 6851 4.3: VANISHED too
        assert [x for x in answer if b"EXPUNGE" in x or b"VANISHED" in x] == [b"* VANISHED 4\r\n"]


def test_modseq_told_after_own_changes(server: ServerThread) -> None:
    """What Dovecot tells a CONDSTORE/QRESYNC client about its own changes (found by the
    client replays, ``test_imapdiff_replay``): STORE .SILENT still gives each changed
    message's MODSEQ, without FLAGS (RFC 7162 3.1.3) and only with CONDSTORE on; MOVE
    and EXPUNGE put the new HIGHESTMODSEQ in their tagged OK; new mail comes with an
    untagged HIGHESTMODSEQ."""
    with _login(server) as a, _login(server, enable=False) as b:
        _, highest = _state(a.ask(b"s SELECT INBOX\r\n", b"s"))
        assert a.ask(b"d UID STORE 1:2 +FLAGS.SILENT (\\Seen)\r\n", b"d") == [
            b"* 1 FETCH (UID 1 MODSEQ (%d))\r\n" % (highest + 1),
            b"* 2 FETCH (UID 2 MODSEQ (%d))\r\n" % (highest + 1),
            b"d OK UID STORE completed\r\n",
        ]
        # unchanged (already seen): nothing to tell
        assert a.ask(b"e STORE 1 +FLAGS.SILENT (\\Seen)\r\n", b"e") == [b"e OK STORE completed\r\n"]
        b.ask(b"s SELECT INBOX\r\n", b"s")
        assert b.ask(b"d STORE 3 +FLAGS.SILENT (\\Seen)\r\n", b"d") == [
            b"d OK STORE completed\r\n"  # no CONDSTORE: .SILENT is silent
        ]
        a.ask(b"c CREATE Archive\r\n", b"c")
        answer = a.ask(b"m UID MOVE 4 Archive\r\n", b"m")
        assert re.fullmatch(rb"m OK \[HIGHESTMODSEQ \d+\] MOVE completed\r\n", answer[-1])
        answer = a.ask(b"a APPEND INBOX {5+}\r\nHi!\r\n\r\n", b"a")
        assert answer[0] == b"* 5 EXISTS\r\n", answer
        assert re.fullmatch(rb"\* OK \[HIGHESTMODSEQ \d+\] Highest\r\n", answer[2]), answer


def test_uid_fetch_changedsince_vanished(server: ServerThread) -> None:
    """RFC 7162 3.2.6: UID FETCH ... (CHANGEDSINCE m VANISHED) sends VANISHED (EARLIER)
    for the expunged uids of the set, then the changed messages."""
    with _login(server) as a, _login(server, enable=False) as b:
        _, highest = _state(a.ask(b"s SELECT INBOX\r\n", b"s"))
        b.ask(b"s SELECT INBOX\r\n", b"s")
        b.ask(b"d UID STORE 1,3 +FLAGS.SILENT (\\Deleted)\r\n", b"d")
        b.ask(b"x UID EXPUNGE 3\r\n", b"x")
        cmd = b"f UID FETCH 2:* (FLAGS) (CHANGEDSINCE %d VANISHED)\r\n" % highest
        assert a.ask(cmd, b"f") == [
            b"* VANISHED (EARLIER) 3\r\n",  # the modifier's answer: only uids of the set
            # the session's own news: the expunge, the flag change (A holds \Recent)
            b"* VANISHED 3\r\n",
            b"* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent) MODSEQ (%d))\r\n" % (highest + 1),
            b"f OK UID FETCH completed\r\n",
        ]
        answer = a.ask(b"g UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)\r\n" % highest, b"g")
        assert answer == [
            b"* VANISHED (EARLIER) 3\r\n",
            b"* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent) MODSEQ (%d))\r\n" % (highest + 1),
            b"g OK UID FETCH completed\r\n",
        ]
        # VANISHED is a UID FETCH modifier only (RFC 7162 3.2.6)
        assert a.ask(b"h FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n", b"h")[-1].startswith(
            b"h BAD "
        )


def test_expunge_history_persists(tmp_path: Path) -> None:
    """The index keeps uid -> modseq of each expunge across restarts; an index from
    before the history starts it at each folder's modseq then."""
    index = Index(tmp_path)
    assert index.expunged("INBOX") == {}
    row = FolderRow("INBOX", 7, 10, 5)
    index.commit(row, [], delete=[3, 4])
    index.close()
    index = Index(tmp_path)
    assert index.expunged("INBOX") == {3: 5, 4: 5}
    index.rename_folder("INBOX", "Old")
    assert index.expunged("Old") == {3: 5, 4: 5}
    index.delete_folder("Old")
    assert index.expunged("Old") == {}
    index.save_folder(FolderRow("Kept", 8, 10, 9))
    index._db.execute("DROP TABLE expunged")  # as an index from before the history
    index.close()
    index = Index(tmp_path)
    assert index.expunged("Kept") == {0: 9}  # history starts at modseq 9
    index.close()


def test_older_modseq_than_history_vanishes_every_absent_uid(server: ServerThread) -> None:
    """Expunges before the history began are unknown: every uid below UIDNEXT that is
    gone is reported, which RFC 7162 3.2.5.1 allows."""
    assert server.service is not None
    store = server.service.settings.store

    async def forget() -> None:
        folder = store.mailbox(USER).folder("INBOX")
        folder.remove([2])
        folder.expunges = ExpungeHistory({0: folder.modseq})  # as if the history began just now

    asyncio.run_coroutine_threadsafe(forget(), server.loop).result(10)
    with _login(server) as a:
        uv, highest = _state(a.ask(b"s SELECT INBOX\r\n", b"s"))
        answer = a.ask(b"t SELECT INBOX (QRESYNC (%d 1))\r\n" % uv, b"t")
        assert _untagged(answer, b"VANISHED") == [b"* VANISHED (EARLIER) 2\r\n"]
        answer = a.ask(b"u SELECT INBOX (QRESYNC (%d %d))\r\n" % (uv, highest), b"u")
        assert not _untagged(answer, b"VANISHED")


def test_history_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past LIMIT uids the older half is forgotten, in memory and in the index, and
    the history then starts at the last forgotten modseq (older asks: all absent)."""
    monkeypatch.setattr(expunges, "LIMIT", 4)
    monkeypatch.setattr(index_module, "LIMIT", 4)
    history = ExpungeHistory({})
    for uid in range(1, 6):
        history.record(uid, 10 + uid)  # uid 5 at modseq 15 makes five: 1, 2 go
    assert (history.start, sorted(history.uids)) == (12, [3, 4, 5])
    assert history.since(12, 8, {6, 7}) == [3, 4, 5]
    assert history.since(11, 8, {6, 7}) == [1, 2, 3, 4, 5]  # before the start: all absent
    db = Index(tmp_path)
    for uid in range(1, 6):
        db.commit(FolderRow("INBOX", 7, 10, 10 + uid), [], delete=[uid])
    assert db.expunged("INBOX") == {0: 12, 3: 13, 4: 14, 5: 15}
    db.close()
