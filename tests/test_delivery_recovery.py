"""Durable delivery: synced in ``tmp/`` before it is published, and found again after a crash."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mailcore import delivery as delivery_module
from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.maildir import make_maildir
from pmemail.config.paths import DataPaths
from pmemail.serve.leftovers import clean_leftovers
from tests.serve_support import DOMAIN, Server, ServeSetup

ALICE = "alice@example.be"
BODY = b"Subject: hi\r\n\r\nbody\r\n"


class _Crash(BaseException):
    """Stands for the power going off: nothing after it runs."""


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


@pytest.fixture
def message(tmp_path: Path) -> Path:
    path = tmp_path / "msg"
    path.write_bytes(BODY)
    return path


def test_file_and_tmp_dir_synced_before_the_rename(
    paths: DataPaths, message: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order that makes 250 safe: fsync(file), fsync(tmp/), and only then rename."""
    events: list[str] = []
    real_rename = os.rename
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("file"))
    monkeypatch.setattr(
        delivery_module, "fsync_file", lambda path: events.append(f"dir {path.name}")
    )

    def rename(src: Path, dst: Path) -> None:
        events.append("rename")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    MaildirDelivery(paths).deliver_sync(message, [ALICE])
    monkeypatch.undo()
    assert events == ["file", "dir tmp", "rename"]
    (copy,) = (maildir_path(paths, ALICE) / "new").iterdir()
    assert copy.read_bytes() == BODY and stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_recover_publishes_complete_copies_left_in_tmp(
    paths: DataPaths, message: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the fsync lost the rename: the copy is published at the next start."""

    def crash(src: Path, dst: Path) -> None:
        raise _Crash

    monkeypatch.setattr(os, "rename", crash)
    delivery = MaildirDelivery(paths, fsync=False)
    for folder in ("", "Sent"):
        with pytest.raises(_Crash):
            delivery.deliver_sync(message, [ALICE], folder=folder)
    monkeypatch.undo()
    box = maildir_path(paths, ALICE)
    partial = box / "tmp" / "1.M1P1Q1.host,S=999"  # written in part: never acknowledged
    partial.write_bytes(BODY)
    partial.chmod(0o600)
    writing = box / "tmp" / f"1.M1P1Q2.host,S={len(BODY)}"  # crashed before its chmod
    writing.write_bytes(BODY)
    writing.chmod(0o200)
    append = box / "tmp" / "1.M1P1Q3.host"  # an IMAP APPEND's file: not ours
    append.write_bytes(BODY)

    assert MaildirDelivery(paths, fsync=False).recover() == 2
    (inbox,) = (box / "new").iterdir()
    (sent,) = (box / ".Sent" / "cur").iterdir()
    assert inbox.read_bytes() == BODY and sent.read_bytes() == BODY
    assert sent.name.endswith(":2,S")
    assert sorted(p.name for p in (box / "tmp").iterdir()) == sorted(
        p.name for p in (partial, writing, append)
    )
    assert MaildirDelivery(paths, fsync=False).recover() == 0


def test_serve_recovers_before_it_serves(tmp_path: Path) -> None:
    """A real ``pmemail serve`` publishes a copy left in tmp/ before it answers at all."""
    setup = ServeSetup(tmp_path)
    setup.write()
    box = maildir_path(DataPaths(setup.data), f"alice@{DOMAIN}")
    make_maildir(box)
    left = box / "tmp" / f"1.M1P1Q1.host,S={len(BODY)}"
    left.write_bytes(BODY)
    left.chmod(0o600)
    server = Server(setup)
    try:
        server.wait_ready()
        assert [p.name for p in (box / "new").iterdir()] == [left.name]
    finally:
        server.kill()


def test_startup_cleanup_publishes_before_it_sweeps(
    paths: DataPaths, message: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However old a complete copy left in tmp/ is, the start-up sweep of crash
    leftovers never deletes it: it is published first (it may have had its 250)."""

    def crash(src: Path, dst: Path) -> None:
        raise _Crash

    monkeypatch.setattr(os, "rename", crash)
    with pytest.raises(_Crash):
        MaildirDelivery(paths, fsync=False).deliver_sync(message, [ALICE])
    monkeypatch.undo()
    box = maildir_path(paths, ALICE)
    unfinished = box / "tmp" / f"1.M1P1Q2.host,S={len(BODY)}"  # crashed before its chmod
    unfinished.write_bytes(BODY)
    unfinished.chmod(0o200)

    clean_leftovers(paths, max_age=0.0)  # every file counts as old

    (inbox,) = (box / "new").iterdir()
    assert inbox.read_bytes() == BODY
    assert list((box / "tmp").iterdir()) == []
