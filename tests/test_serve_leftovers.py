"""Start-up cleanup of crash leftovers: spool files and Maildir ``tmp/`` files."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailcore.smtp.service import spool_dir
from pmemail.config.paths import DataPaths
from pmemail.serve.leftovers import MAX_AGE, clean_leftovers, leftover_dirs, sweep
from tests.config_factory import make_config

LATER = time.time() + MAX_AGE + 3600  # a clock 37 h ahead: every file made now is old


def _put(path: Path, size: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path


def _layout(tmp_path: Path) -> tuple[DataPaths, list[Path], list[Path]]:
    """(paths, files a crash leaves behind, files that must stay)."""
    paths = make_config(tmp_path).paths
    box = paths.maildirs / "example.be" / "alice"
    gone = [
        _put(spool_dir(paths) / "tmpab12"),
        _put(spool_dir(paths) / "imap-append-x"),
        _put(paths.state / "collector" / "spool" / "pop-1"),
        _put(box / "tmp" / "1700.M1P1.host"),
        _put(box / ".Sent" / "tmp" / "1700.M2P1.host"),
    ]
    kept = [
        _put(box / "cur" / "1700.M3P1.host:2,S"),
        _put(box / "new" / "1700.M4P1.host"),
        _put(box / ".Sent" / "cur" / "1700.M5P1.host:2,"),
        _put(spool_dir(paths) / "sub" / "deeper"),  # only files directly in a spool
        _put(paths.state / "ip_history.json"),
    ]
    return paths, gone, kept


def test_old_leftovers_removed_everything_else_kept(tmp_path: Path) -> None:
    """Spool and tmp/ files older than 36 h go; cur/, new/ and state stay."""
    paths, gone, kept = _layout(tmp_path)
    swept = sweep(leftover_dirs(paths), now=LATER)
    assert (swept.files, swept.size, swept.errors) == (len(gone), 10 * len(gone), 0)
    assert not any(p.exists() for p in gone)
    assert all(p.exists() for p in kept)


def test_recent_files_are_in_flight_and_kept(tmp_path: Path) -> None:
    """A file younger than the longest transaction may be in use: never touched.

    Its modification time does not count (APPEND dates tmp/ files in the past).
    """
    paths, gone, _ = _layout(tmp_path)
    os.utime(gone[3], (0, 0))  # mtime 1970, ctime now
    assert sweep(leftover_dirs(paths)).files == 0
    assert all(p.exists() for p in gone)


def test_missing_directories_are_fine(tmp_path: Path) -> None:
    """A fresh data dir (no spool, no Maildirs yet) sweeps nothing, without error."""
    paths = make_config(tmp_path).paths
    assert sweep(leftover_dirs(paths), now=LATER) == sweep([])


def test_one_summary_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The sweep logs one line with the count and size; nothing when nothing was left."""
    paths, gone, _ = _layout(tmp_path)
    caplog.set_level(logging.INFO, "pmemail.serve")
    clean_leftovers(paths, max_age=-60)
    clean_leftovers(paths, max_age=-60)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [f"removed {len(gone)} unfinished file(s) (50 bytes) left by an earlier crash"]


def test_files_of_a_dead_writer_go_at_once(tmp_path: Path) -> None:
    """A young tmp/ or spool file whose name carries a dead pid goes; a live writer's stays."""
    paths = make_config(tmp_path).paths
    dead = _exited_pid()
    box = paths.maildirs / "example.be" / "alice" / "tmp"
    gone = [
        _put(box / f"1700000000.M1P{dead}Q1.host,S=10"),
        _put(paths.state / "collector" / "spool" / f".fetch-{dead}-x1y2"),
    ]
    alive = os.getppid()  # pytest's parent: running, not us
    kept = [
        _put(box / f"1700000000.M2P{alive}Q1.host"),
        _put(paths.state / "collector" / "spool" / f".fetch-{alive}-z3"),
    ]
    assert sweep(leftover_dirs(paths)).files == len(gone)
    assert not any(p.exists() for p in gone)
    assert all(p.exists() for p in kept)


def _exited_pid() -> int:
    """The pid of a child that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
