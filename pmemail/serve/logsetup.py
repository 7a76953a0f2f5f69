"""Logging of ``pmemail serve``: a rotating file in the data dir plus stderr.

stderr is what systemd's journal (or the admin's terminal) sees; the file is
what the dashboard and a support request can read later.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pmemail.fsutil import make_private_dir
from pmemail.serve.logescape import EscapingFormatter
from pmemail.serve.logfile import PrivateRotatingFileHandler

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5

# A record logged with ``extra={QUIET_ON_STDERR: True}`` goes to the file only:
# the CLI prints startup failures itself as exactly one line.
QUIET_ON_STDERR = "pmemail_quiet_on_stderr"


class _NotQuiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, QUIET_ON_STDERR, False)


def setup_logging(
    log_file: Path, level: int = logging.INFO, stream: TextIO | None = None
) -> Callable[[], None]:
    """Send the root logger to ``log_file`` (rotating) and to ``stream``.

    Args:
        log_file: the log file; its directory is created.
        level: the root logger's level.
        stream: defaults to ``sys.stderr``.

    Returns:
        A function that removes and closes the handlers again.
    """
    make_private_dir(log_file.parent)
    formatter = EscapingFormatter(FORMAT)
    file_handler = PrivateRotatingFileHandler(log_file, max_bytes=MAX_BYTES, backups=BACKUPS)
    file_handler.setFormatter(formatter)
    err_handler = logging.StreamHandler(stream or sys.stderr)
    err_handler.setFormatter(formatter)
    err_handler.addFilter(_NotQuiet())
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(level)
    root.addHandler(file_handler)
    root.addHandler(err_handler)

    def teardown() -> None:
        for handler in (file_handler, err_handler):
            root.removeHandler(handler)
            handler.close()
        root.setLevel(previous_level)

    return teardown
