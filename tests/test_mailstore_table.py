"""The packed message table: records in, copies out, renames, removals, compaction."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mailcore.mailstore import MailStore
from mailcore.mailstore.changes import LIMIT as CHANGE_LIMIT
from mailcore.mailstore.changes import ChangeLog
from mailcore.mailstore.index import FolderRow, Index
from mailcore.mailstore.table import MessageRecord, MessageTable, RecordList, RecordsByUid

SEEN = frozenset({"\\Seen"})


def _rec(uid: int, flags: frozenset[str] = frozenset(), name: str = "") -> MessageRecord:
    return MessageRecord(uid, f"cur/{name or uid}.host:2,", flags, uid * 10, uid + 0.5, uid)


def test_records_are_copies_and_changes_go_through_the_table() -> None:
    table = MessageTable()
    table.extend(_rec(u, SEEN if u % 2 else frozenset()) for u in (3, 5, 9))
    rec = table.get(5)
    assert rec == _rec(5, SEEN)
    rec.flags = frozenset()  # a copy: the table is unchanged
    assert table.get(5) == _rec(5, SEEN)
    table.update(table.position(5), "cur/5.host:2,S", SEEN | {"$Work"}, 77)
    assert table.get(5) == MessageRecord(5, "cur/5.host:2,S", SEEN | {"$Work"}, 50, 5.5, 77)
    assert table.get(4) is None and 4 not in table and 9 in table
    with pytest.raises(ValueError):
        table.append(_rec(9))  # uids only grow


def test_flag_sets_are_numbered_once_and_counted() -> None:
    table = MessageTable()
    table.extend(_rec(u, SEEN if u % 3 else frozenset({"\\Deleted"})) for u in range(1, 10))
    assert table.flag_count() == 2
    unseen = table.numbers_with("\\Seen", present=False)
    assert table.count_where(unseen) == 3
    deleted = table.positions_where(table.numbers_with("\\Deleted"))
    assert [table.uids[i] for i in deleted] == [3, 6, 9]
    assert table.changed_after(7) == [7, 8]  # positions of modseq 8 and 9


def test_removal_and_renames_keep_names_right_through_compaction() -> None:
    table = MessageTable()
    long = "x" * 200
    table.extend(_rec(u, name=f"{u}.{long}") for u in range(1, 2001))
    for round_ in range(3):  # every name rewritten: dead bytes pile up, then compacted
        for i in range(len(table)):
            uid = table.uids[i]
            table.update(i, f"cur/{uid}.{long}:2,{round_}", frozenset(), 1)
    for uid in range(1, 2001, 2):
        table.remove_at(table.position(uid))
    assert len(table) == 1000
    assert all(table.path_at(i) == f"cur/{table.uids[i]}.{long}:2,2" for i in range(1000))
    assert table.footprint() < 2 * 1000 * (len(long) + 50)  # old names were dropped
    assert list(table.paths())[:2] == [(2, f"cur/2.{long}:2,2"), (4, f"cur/4.{long}:2,2")]


def test_views_read_like_a_list_and_a_mapping() -> None:
    table = MessageTable()
    table.extend(_rec(u) for u in (1, 2, 4))
    records, by_uid = RecordList(table), RecordsByUid(table)
    assert [r.uid for r in records] == [1, 2, 4] and records[-1].uid == 4
    assert [r.uid for r in records[::-1]] == [4, 2, 1] and len(records) == 3
    assert list(by_uid) == [1, 2, 4] and by_uid.get(3) is None and by_uid[2] == _rec(2)
    with pytest.raises(IndexError):
        records[3]


def test_a_big_table_costs_tens_of_bytes_a_message() -> None:
    """No object per message: 50,000 messages fit in a few MiB."""
    table = MessageTable()
    table.extend(
        _rec(u, SEEN, name=f"{1_600_000_000 + u}.M{u}P1234.mail.example.be,S=2048")
        for u in range(1, 50_001)
    )
    assert table.footprint() / len(table) < 100


def test_a_late_commit_never_overwrites_a_newer_row_nor_revives_an_expunge(
    tmp_path: Path,
) -> None:
    """Commits from a worker thread can land after newer inline ones (see Index.commit)."""
    index = Index(tmp_path)
    row = FolderRow("INBOX", 1, 10, 5)
    newer = _rec(1, SEEN)
    newer.modseq = 5
    index.commit(row, [newer, _rec(2)], delete=[3])
    stale = _rec(1)  # modseq 1: taken before the change of modseq 5
    revived = _rec(3)
    index.commit(row, [stale, revived])
    table = index.messages("INBOX")
    assert list(table.uids) == [1, 2] and table.get(1) == newer
    index.close()


def test_folder_state_survives_a_restart_in_packed_form(tmp_path: Path) -> None:
    async def go() -> None:
        store = MailStore(tmp_path)
        inbox = await store.mailbox("u@example.be").open("INBOX")
        uids = await inbox.append_all(
            [(b"Subject: %d\r\n\r\nx\r\n" % i, [], None) for i in range(5)]
        )
        inbox.store_flags(uids[1:3], ["\\Seen", "$Work"], "add")
        inbox.store_flags(uids[2:4], ["\\Deleted"], "add")
        assert inbox.expunge() == uids[2:4]
        assert inbox.first_unseen() == 1 and inbox.unseen() == 2
        store.close()
        again = await MailStore(tmp_path).mailbox("u@example.be").open("INBOX")
        assert list(again.uids) == [uids[0], uids[1], uids[4]]
        assert again.by_uid[uids[1]].flags == {"\\Seen", "$Work"} and "$Work" in again.keywords
        assert again.file(uids[1]).read_bytes().startswith(b"Subject: 1")

    asyncio.run(go())


def test_rows_loaded_in_bulk_read_like_rows_appended_one_by_one() -> None:
    rows = [(u, f"cur/{u}.host:2,S", SEEN, u * 3, u + 0.25, u) for u in (2, 3, 7)]
    bulk, single = MessageTable(), MessageTable()
    bulk.extend_rows(rows[:1])
    bulk.extend_rows(rows[1:])
    for row in rows:
        single.append_row(*row)
    assert [bulk.record_at(i) for i in range(3)] == [single.record_at(i) for i in range(3)]
    with pytest.raises(ValueError):
        bulk.extend_rows([(7, "cur/x", SEEN, 1, 1.0, 1)])  # not above the last uid
    with pytest.raises(ValueError):
        MessageTable().extend_rows([(1, "new/x", SEEN, 1, 1.0, 1)])


def test_the_change_log_answers_recent_modseqs_and_defers_older_ones() -> None:
    log = ChangeLog(start=10)
    log.record(11, [5, 7])
    log.record(12, [7])
    log.record(13, [2])
    assert log.uids_after(10) == [2, 5, 7] and log.uids_after(12) == [2]
    assert log.uids_after(13) == [] and log.uids_after(9) is None  # before the log: scan


def test_the_change_log_stays_bounded_and_moves_its_start() -> None:
    log = ChangeLog(start=0)
    for modseq in range(1, CHANGE_LIMIT + 2):
        log.record(modseq, [modseq])
    assert log.start > 0 and log.uids_after(log.start - 1) is None
    assert log.uids_after(CHANGE_LIMIT) == [CHANGE_LIMIT + 1]


def test_changed_since_through_the_log_matches_a_full_scan(tmp_path: Path) -> None:
    async def go() -> None:
        inbox = await MailStore(tmp_path).mailbox("u@example.be").open("INBOX")
        uids = await inbox.append_all(
            [(b"Subject: %d\r\n\r\nx\r\n" % i, [], None) for i in range(6)]
        )
        mark = inbox.modseq
        inbox.store_flags(uids[1:3], ["\\Seen"], "add")
        inbox.store_flags(uids[2:4], ["$Work"], "add")
        inbox.remove([uids[3]])
        logged = inbox.changed_since(mark)
        scanned = [inbox.table.record_at(i) for i in inbox.table.changed_after(mark)]
        assert logged == scanned and [m.uid for m in logged] == uids[1:3]

    asyncio.run(go())
