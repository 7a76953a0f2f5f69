"""The mailbox store over Maildir: index, flags in file names, sync with other writers."""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailcore.mailstore import FolderError, MailStore, parse_head
from mailcore.mailstore.index import INDEX_NAME
from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message


def _root(tmp_path: Path) -> Path:
    return tmp_path / "example.be" / "alice"


def test_special_folders_and_index_created(tmp_path: Path) -> None:
    """First open creates INBOX, the special-use folders and the index file."""
    box = MailStore(tmp_path).mailbox(USER)
    assert [f.name for f in box.list_folders()] == [
        "INBOX",
        "Archive",
        "Drafts",
        "Junk",
        "Sent",
        "Trash",
    ]
    assert (_root(tmp_path) / ".Sent" / "cur").is_dir()
    assert (_root(tmp_path) / INDEX_NAME).exists()


def test_flags_live_in_file_names_and_keywords_in_index(tmp_path: Path) -> None:
    """System flags become Maildir info letters; keywords persist through the index."""
    store = MailStore(tmp_path)
    inbox = store.mailbox(USER).folder("INBOX")
    uid = inbox.append(sample_message(), ["\\Seen"])
    inbox.store_flags([uid], ["\\Flagged", "$Work"], "add")
    names = os.listdir(_root(tmp_path) / "cur")
    assert len(names) == 1 and names[0].endswith(":2,FS")
    store.close()
    again = MailStore(tmp_path).mailbox(USER).folder("INBOX")
    assert again.by_uid[uid].flags == {"\\Seen", "\\Flagged", "$Work"}


def test_external_changes_are_synced(tmp_path: Path) -> None:
    """new/ arrivals get the next uid; a flag renamed by another program is seen; a removed
    file is expunged."""
    inbox = MailStore(tmp_path).mailbox(USER).folder("INBOX")
    root = _root(tmp_path)
    (root / "new" / "1700000000.X1.host").write_bytes(b"Subject: a\n\nbody\n")
    assert inbox.sync()
    (rec,) = inbox.messages
    assert rec.uid == 1 and rec.size == len(b"Subject: a\r\n\r\nbody\r\n")
    assert not os.listdir(root / "new")  # moved to cur/ as Dovecot does
    cur = root / "cur" / rec.path.split("/", 1)[1]
    os.rename(cur, str(cur).replace(":2,", ":2,S"))
    time.sleep(0.01)
    os.utime(root / "cur")
    assert inbox.sync() and inbox.by_uid[1].flags == {"\\Seen"}
    os.unlink(root / "cur" / os.listdir(root / "cur")[0])
    os.utime(root / "cur", ns=(time.time_ns(), time.time_ns() + 5))
    assert inbox.sync() and not inbox.messages and inbox.expunged_since(0) == [1]


def test_copy_move_expunge_and_folders(tmp_path: Path) -> None:
    """Copy keeps flags, move removes the source, expunge only \\Deleted; folder errors."""
    box = MailStore(tmp_path).mailbox(USER)
    inbox, archive = box.folder("INBOX"), box.folder("Archive")
    a = inbox.append(sample_message("a"), ["\\Seen"])
    b = inbox.append(sample_message("b"))
    assert inbox.copy_to([a], archive) == [(a, 1)]
    assert archive.by_uid[1].flags == {"\\Seen"}
    assert inbox.move_to([b], archive) == [(b, 2)]
    assert list(inbox.by_uid) == [a]
    inbox.store_flags([a], ["\\Deleted"], "add")
    assert inbox.expunge() == [a] and not inbox.messages
    with pytest.raises(FolderError):
        box.create("Archive")
    box.create("A.B.C")
    assert box.exists("A.B") and box.exists("A")
    box.rename("A", "Z")
    assert box.exists("Z.B.C") and not box.exists("A")


def test_message_head_for_message_lists() -> None:
    """Decoded sender/subject/date of a header block, safe to display."""
    head = parse_head(
        b"From: =?UTF-8?Q?Fran=C3=A7ois?= <f@example.fr>\r\nTo: bob@example.be\r\n"
        b"Subject: =?UTF-8?B?UsOpdW5pb24=?=\r\n\tsuite\x07\r\n"
        b"Date: Mon, 6 Mar 2023 14:02:11 +0000\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"
    )
    # shown in the server's (the office's) time zone
    local = datetime(2023, 3, 6, 14, 2, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    assert (head.sender, head.sender_address, head.date, head.multipart_mixed) == (
        "Fran\u00e7ois",
        "f@example.fr",
        local,
        True,
    )
    assert head.subject.startswith("R\u00e9union") and "\x07" not in head.subject
    empty = parse_head(b"From: plain@example.be\r\nDate: garbage\r\n\r\n")
    assert (empty.sender, empty.subject, empty.date) == (
        "plain@example.be",
        "(no subject)",
        "garbage",
    )


def test_fifty_thousand_messages(tmp_path: Path) -> None:
    """50,000 messages: indexed once, then SELECT + FETCH 1:* FLAGS from the index."""
    setup = make_config(tmp_path, IMAP)
    config = setup.config
    cur = setup.paths.maildirs / "example.be" / "alice" / "cur"
    cur.mkdir(parents=True)
    t0 = time.perf_counter()
    body = sample_message("bulk")
    src = tmp_path / "one-message"
    src.write_bytes(body)
    for i in range(50_000):  # hard links: 50k files without writing 50k blocks
        flags = "S" if i % 3 else ""
        os.link(src, cur / f"{1_700_000_000 + i}.M{i}P1.host,S={len(body)}:2,{flags}")
    print(f"\n50k: generated files in {time.perf_counter() - t0:.2f} s")
    srv = ServerThread(config).start()
    try:
        # The first SELECT reads every file once (CRLF sizes): slow on a loaded machine.
        c = srv.connect(timeout=600)
        t0 = time.perf_counter()
        assert c.select("INBOX") == ("OK", [b"50000"])
        print(f"50k: first SELECT (builds the index) {time.perf_counter() - t0:.2f} s")
        c.logout()
    finally:
        srv.stop()
    srv = ServerThread(config).start()
    try:
        # A raw socket for the timed part: imaplib's own parsing of 50k lines is slower
        # than the server and would hide what is measured.
        with socket.create_connection(("127.0.0.1", srv.port), timeout=120) as sock:
            f = sock.makefile("rwb")
            f.readline()
            f.write(f'l LOGIN {USER} "{PASSWORD}"\r\n'.encode())
            f.flush()
            assert f.readline().startswith(b"l OK")
            t0 = time.perf_counter()
            f.write(b"s SELECT INBOX\r\nf FETCH 1:* (FLAGS)\r\n")
            f.flush()
            lines = []
            while not (line := f.readline()).startswith(b"f "):
                lines.append(line)
            elapsed = time.perf_counter() - t0
            print(f"50k: after restart, SELECT + FETCH 1:* FLAGS {elapsed:.3f} s")
            assert line.startswith(b"f OK") and b"* 50000 EXISTS\r\n" in lines
            fetched = [x for x in lines if b" FETCH (FLAGS " in x]
            assert len(fetched) == 50_000
            assert fetched[0] == b"* 1 FETCH (FLAGS ())\r\n"
            assert fetched[1] == b"* 2 FETCH (FLAGS (\\Seen))\r\n"
        c = srv.connect(timeout=120)
        c.select("INBOX")
        t0 = time.perf_counter()
        _, data = c.uid("SEARCH", None, "UNSEEN")
        print(f"50k: UID SEARCH UNSEEN {time.perf_counter() - t0:.3f} s")
        assert len(data[0].split()) == 16_667
        c.logout()
    finally:
        srv.stop()


def test_rename_inbox_moves_messages_and_keeps_inbox(tmp_path: Path) -> None:
    """RFC 3501 6.3.5: RENAME INBOX moves its messages to the new folder, INBOX stays empty."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    try:
        c = srv.connect()
        for i in range(3):
            assert (
                c.append("INBOX", "(\\Seen)" if i else None, None, sample_message(f"m{i}"))[0]
                == "OK"
            )
        assert c.rename("INBOX", "Old-Inbox")[0] == "OK"
        assert c.select("INBOX") == ("OK", [b"0"])
        assert c.select("Old-Inbox") == ("OK", [b"3"])
        typ, data = c.fetch("1:3", "(FLAGS)")
        assert typ == "OK" and sum(b"\\Seen" in d for d in data) == 2
        c.logout()
    finally:
        srv.stop()


def test_missing_folder_codes(tmp_path: Path) -> None:
    """DELETE/RENAME/SELECT of a missing folder answer [NONEXISTENT]; to an existing name
    RENAME answers [ALREADYEXISTS]."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    try:
        c = srv.connect()
        for command in (
            "a DELETE Nope",
            "b RENAME Nope Other",
            "c SELECT Nope",
            "d RENAME Sent Trash",
        ):
            tag = command.split()[0].encode()
            c.send(command.encode() + b"\r\n")
            line = c.readline()
            assert line.startswith(tag + b" NO ["), line
            expected = b"ALREADYEXISTS" if tag == b"d" else b"NONEXISTENT"
            assert line.split()[2].strip(b"[]") == expected, line
        c.logout()
    finally:
        srv.stop()


def test_size_of_foreign_file_is_streamed(tmp_path: Path) -> None:
    """A file without ,W= (another MDA's) gets its CRLF size from a chunked read."""
    from mailcore import maildir

    cur = _root(tmp_path) / "cur"
    cur.mkdir(parents=True)
    data = b"Subject: big\n\n" + b"line\n" * 300_000 + b"crlf\r\n" * 200_000
    (cur / "1.foreign.host:2,").write_bytes(data)
    folder = MailStore(tmp_path).mailbox(USER).folder("INBOX")
    assert folder.messages[0].size == maildir.vsize_of(data)
    assert maildir.vsize_of_file(cur / "1.foreign.host:2,") == maildir.vsize_of(data)


def test_recent_boundary_persists(tmp_path: Path) -> None:
    """A message is \\Recent for the first read-write session only, even across restarts."""
    store = MailStore(tmp_path)
    inbox = store.mailbox(USER).folder("INBOX")
    uid = inbox.append(sample_message())
    assert inbox.unclaimed_recent() == [uid]
    assert inbox.claim_recent() == [uid]
    assert inbox.claim_recent() == []
    store.close()
    again = MailStore(tmp_path).mailbox(USER).folder("INBOX")
    assert again.unclaimed_recent() == []


async def test_append_file_streams_a_durable_copy(tmp_path: Path) -> None:
    """``append_file`` copies a spooled file byte for byte, with flags, date and CRLF size
    (a CRLF split across the copy's chunks counted once); nothing is left in tmp/."""
    from mailcore import maildir

    chunk = 1 << 20
    head = b"Subject: spooled\n\n"
    # Bare LFs, then a CRLF whose CR ends the first 1 MiB chunk.
    data = head + b"x" * (chunk - len(head) - 1) + b"\r\n" + b"line\n" * 200_000
    source = tmp_path / "spool.eml"
    source.write_bytes(data)
    store = MailStore(tmp_path / "maildirs")
    drafts = await store.mailbox(USER).open("Drafts")
    uid = await drafts.append_file(source, ["\\Draft", "\\Seen"], 1_600_000_000.0)
    rec = drafts.by_uid[uid]
    assert rec.size == maildir.vsize_of(data) and rec.path.endswith(":2,DS")
    assert rec.flags == {"\\Draft", "\\Seen"} and rec.internaldate == 1_600_000_000.0
    assert drafts.file(uid).read_bytes() == data and source.exists()
    assert not os.listdir(drafts.path / "tmp")
    with pytest.raises(FileNotFoundError):
        await drafts.append_file(tmp_path / "missing.eml")
    assert list(drafts.by_uid) == [uid] and not os.listdir(drafts.path / "tmp")
    store.close()
    again = await MailStore(tmp_path / "maildirs").mailbox(USER).open("Drafts")
    assert [(m.uid, m.flags, m.size) for m in again.messages] == [(uid, rec.flags, rec.size)]


def test_copy_without_hard_links_is_a_durable_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where hard links fail (another file system), COPY writes a copy with the same date."""
    box = MailStore(tmp_path).mailbox(USER)
    inbox, archive = box.folder("INBOX"), box.folder("Archive")
    uid = inbox.append(sample_message("copied"), ["\\Flagged"], 1_500_000_000.0)

    def no_link(src: object, dst: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    ((_, new),) = inbox.copy_to([uid], archive)
    copy = archive.by_uid[new]
    assert archive.read(new) == inbox.read(uid) and copy.flags == {"\\Flagged"}
    assert os.stat(archive.file(new)).st_mtime == 1_500_000_000.0
    assert os.stat(archive.file(new)).st_ino != os.stat(inbox.file(uid)).st_ino
    assert not os.listdir(archive.path / "tmp")
