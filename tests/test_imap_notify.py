"""IDLE clients are told of new mail by the folder's one change notifier (mailstore.watch).

Real servers on loopback: the IMAP service in a thread, the SMTP service beside it
on the same data directory, imaplib clients. Each arrival path is covered: SMTP
delivery, a file another program renames into ``new/``, another session's STORE
and EXPUNGE; and the notifier itself: one watch for many sessions, gone with the
last one, the poll fallback where inotify is missing, no refresh storm from our
own writes. Waits are generous and no duration is asserted.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mailcore.delivery import maildir_path
from mailcore.mailstore import scan, watch
from tests.config_factory import make_config
from tests.imap_support import IMAP, USER, ServerThread, sample_message
from tests.smtp_support import PASSWORDS, SMTP, MailServer

WAIT = 20.0  # seconds: generous, never asserted
MANY = 50


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """The IMAP service, up to 100 connections from loopback."""
    overrides = {"server": {"max_connections_per_address": 100}}
    srv = ServerThread(make_config(tmp_path, IMAP, overrides).config).start()
    yield srv
    srv.stop()


def stats(srv: ServerThread) -> watch.WatchStats:
    """The server loop's registry, read on its own loop (zeros if it has none)."""

    async def read() -> watch.WatchStats:
        found = watch.existing(asyncio.get_running_loop())
        return found.stats() if found else watch.WatchStats(0, 0, 0, 0)

    return asyncio.run_coroutine_threadsafe(read(), srv.loop).result(10)


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        assert time.monotonic() < deadline, f"{what}: not after {WAIT} s"
        time.sleep(0.02)


def start_idle(client: Any) -> str:
    """Send IDLE and read the server's '+'; the tag for :func:`end_idle`."""
    tag: str = client._new_tag().decode()
    client.send(f"{tag} IDLE\r\n".encode())
    client.sock.settimeout(WAIT)
    assert client.readline().startswith(b"+")
    return tag


def read_until(client: Any, wanted: bytes) -> list[bytes]:
    """Lines read up to the first that starts with ``wanted`` (included)."""
    lines = []
    while True:
        line = client.readline()
        assert line, "connection closed"
        lines.append(line)
        if line.startswith(wanted):
            return lines


def end_idle(client: Any, tag: str) -> None:
    client.send(b"DONE\r\n")
    read_until(client, f"{tag} OK".encode())


def idle_on_inbox(srv: ServerThread, password: str | None = None) -> tuple[Any, str]:
    client = srv.connect(login=password is None)
    if password is not None:
        client.login(USER, password)
    client.select("INBOX")
    return client, start_idle(client)


def drop_into_new(srv: ServerThread, data: bytes, name: str) -> None:
    """Deliver as an external MDA does: write in tmp/, rename into new/."""
    box = maildir_path(srv.paths, USER)
    tmp = box / "tmp" / name
    with open(tmp, "wb") as out:
        out.write(data)
    os.rename(tmp, box / "new" / name)


def test_idle_sees_smtp_delivery(tmp_path: Path) -> None:
    """A message received by the SMTP service (its own threads write new/) reaches IDLE."""
    config = make_config(tmp_path, IMAP, SMTP).config
    smtp_server = MailServer(tmp_path, config).start()  # its users: alice's password is its own
    imap_server = ServerThread(config).start()
    try:
        client, tag = idle_on_inbox(imap_server, PASSWORDS[USER])
        with smtplib.SMTP("127.0.0.1", smtp_server.port("smtp"), timeout=WAIT) as smtp:
            smtp.ehlo("remote.example")
            smtp.sendmail("someone@remote.example", [USER], sample_message("by smtp"))
        assert read_until(client, b"* 1 EXISTS") == [b"* 1 EXISTS\r\n"]
        end_idle(client, tag)
        _, data = client.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert b"Subject: by smtp" in data[0][1]
        client.logout()
    finally:
        imap_server.stop()
        smtp_server.stop()


def test_idle_sees_a_file_renamed_into_new(server: ServerThread) -> None:
    """Another program's Maildir delivery (tmp/ then rename) reaches IDLE."""
    client, tag = idle_on_inbox(server)
    drop_into_new(server, sample_message("external"), "1700000000.M1P1.mda")
    assert read_until(client, b"* 1 EXISTS") == [b"* 1 EXISTS\r\n"]
    drop_into_new(server, sample_message("external 2"), "1700000001.M2P1.mda")
    read_until(client, b"* 2 EXISTS")
    end_idle(client, tag)
    client.logout()


def test_idle_sees_another_sessions_store_and_expunge(server: ServerThread) -> None:
    """STORE and EXPUNGE in one session are pushed to another one in IDLE."""
    writer = server.connect()
    writer.append("INBOX", None, None, sample_message("one"))
    writer.append("INBOX", None, None, sample_message("two"))
    writer.select("INBOX")
    client, tag = idle_on_inbox(server)
    writer.store("1", "+FLAGS", "\\Flagged")
    assert b"\\Flagged" in read_until(client, b"* 1 FETCH")[-1]
    writer.store("1", "+FLAGS", "\\Deleted")
    writer.expunge()
    read_until(client, b"* 1 EXPUNGE")
    writer.append("INBOX", None, None, sample_message("three"))
    read_until(client, b"* 2 EXISTS")
    end_idle(client, tag)
    client.logout()
    writer.logout()


def test_many_sessions_share_one_watch_gone_after_the_last(server: ServerThread) -> None:
    """50 IDLE sessions on INBOX: one watched folder (new/ and cur/); none once all left."""
    probe = server.connect()
    probe.status("INBOX", "(MESSAGES)")  # opened for one command: not watched
    assert stats(server).folders == 0
    sessions = [idle_on_inbox(server) for _ in range(MANY)]
    now = stats(server)
    assert (now.folders, now.inotify_watches, now.polled) == (1, 2, 0)
    drop_into_new(server, sample_message("for all"), "1700000000.M1P1.mda")
    for client, tag in sessions:
        read_until(client, b"* 1 EXISTS")
        end_idle(client, tag)
        client.logout()
    wait_until(lambda: stats(server).folders == 0, "the watch removed after the last logout")
    assert stats(server).inotify_watches == 0
    probe.logout()


def test_poll_fallback_without_inotify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where inotify is missing, one poll task for the folder still brings new mail."""
    monkeypatch.setattr(watch, "inotify_available", lambda: False)
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    try:
        a, tag_a = idle_on_inbox(srv)
        b, tag_b = idle_on_inbox(srv)
        now = stats(srv)
        assert (now.folders, now.inotify_watches, now.polled) == (1, 0, 1)
        drop_into_new(srv, sample_message("polled"), "1700000000.M1P1.mda")
        for client, tag in ((a, tag_a), (b, tag_b)):
            read_until(client, b"* 1 EXISTS")
            end_idle(client, tag)
            client.logout()
        wait_until(lambda: stats(srv).folders == 0, "the poll task stopped")
    finally:
        srv.stop()


def test_own_writes_cause_no_refresh_storm(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our own STOREs raise inotify events: each refresh they cause stops at the mtime
    check (no directory listed) and causes no other one."""
    monkeypatch.setattr(scan, "_RECENT_NS", 0)  # new/'s young mtime would list it anyway
    scans: list[Path] = []
    real_scan = scan.scan

    def counted(folder: Path, *args: Any) -> scan.ScanResult:
        scans.append(folder)
        return real_scan(folder, *args)

    monkeypatch.setattr(scan, "scan", counted)
    writer = server.connect()
    for n in range(3):
        writer.append("INBOX", None, None, sample_message(f"m{n}"))
    client, tag = idle_on_inbox(server)
    writer.select("INBOX")
    before, scans_before = stats(server).refreshes, len(scans)
    stores = 20
    for n in range(stores):
        writer.store(str(n % 3 + 1), "+FLAGS" if n % 2 == 0 else "-FLAGS", "\\Flagged")
    read_until(client, b"* 3 FETCH")
    time.sleep(0.5)  # let the last events arrive (a storm would keep counting)
    settled = stats(server).refreshes
    time.sleep(0.5)
    assert stats(server).refreshes == settled
    assert settled - before <= stores + 2
    assert len(scans) == scans_before
    end_idle(client, tag)
    client.logout()
    writer.logout()


def test_parse_events() -> None:
    """inotify's records: wd, mask, cookie, name length, then the padded name."""
    record = watch._EVENT.pack(3, watch.IN_MOVED_TO, 0, 16) + b"1700000000.x\0\0\0\0"
    empty = watch._EVENT.pack(4, watch.IN_IGNORED, 0, 0)
    assert watch.parse_events(record + empty) == [(3, watch.IN_MOVED_TO), (4, watch.IN_IGNORED)]
