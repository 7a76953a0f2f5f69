"""Log file 0640 (also after rotation and when it existed 0644); data and log folders 0700."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from pmemail.serve.composition import build_server
from pmemail.serve.logfile import PrivateRotatingFileHandler
from pmemail.serve.logsetup import setup_logging
from tests.config_factory import make_config


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_log_file_is_0640_whatever_the_umask(tmp_path: Path) -> None:
    """Created 0640 under umask 000, and an existing 0644 file is tightened."""
    old = os.umask(0)
    try:
        fresh = tmp_path / "a" / "pmemail.log"
        teardown = setup_logging(fresh)
        teardown()
        existing = tmp_path / "b.log"
        existing.write_text("old\n")
        existing.chmod(0o644)
        PrivateRotatingFileHandler(existing, max_bytes=0, backups=1).close()
    finally:
        os.umask(old)
    assert _mode(fresh) == 0o640 and _mode(fresh.parent) == 0o700
    assert _mode(existing) == 0o640 and existing.read_text() == "old\n"


def test_rotated_and_new_files_stay_0640(tmp_path: Path) -> None:
    """After rollovers the current file and the backups are 0640."""
    log_file = tmp_path / "pmemail.log"
    old = os.umask(0)
    try:
        handler = PrivateRotatingFileHandler(log_file, max_bytes=200, backups=2)
        logger = logging.getLogger("pmemail.test_modes")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            for n in range(20):
                logger.warning("line %d %s", n, "x" * 50)
        finally:
            logger.removeHandler(handler)
            handler.close()
    finally:
        os.umask(old)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["pmemail.log", "pmemail.log.1", "pmemail.log.2"]
    assert all(_mode(f) == 0o640 for f in files), [oct(_mode(f)) for f in files]


def test_existing_data_and_log_folders_tightened_to_0700(tmp_path: Path) -> None:
    """A data dir and logs dir made world-readable by hand are 0700 once serve builds."""
    setup = make_config(tmp_path)
    paths = setup.paths
    paths.logs.mkdir(parents=True)
    paths.root.chmod(0o755)
    paths.logs.chmod(0o755)
    build_server(setup.config, paths)
    assert _mode(paths.root) == 0o700 and _mode(paths.logs) == 0o700
