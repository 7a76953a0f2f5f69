"""The rotating log file, readable by its owner and group only (0640).

The log names users, client addresses and what they sent; a file created
under the usual umask (022) would be world-readable. ``logging`` opens the
file itself (at start and at each rotation), so the mode is set there: the
file is created 0640 before the handler opens it, and the fresh file of each
rollover is brought to 0640 at once. Rotated files keep it (a rename).
"""

from __future__ import annotations

import logging.handlers
import os
from pathlib import Path

LOG_FILE_MODE = 0o640


def _make_private(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, LOG_FILE_MODE)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, LOG_FILE_MODE)  # an older file, or the umask took bits away
    finally:
        os.close(fd)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """``RotatingFileHandler`` whose files are mode 0640 whatever the umask."""

    def __init__(self, filename: Path, *, max_bytes: int, backups: int) -> None:
        """Open (creating 0640) ``filename``; UTF-8, rotated at ``max_bytes``."""
        _make_private(str(filename))
        super().__init__(filename, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")

    def doRollover(self) -> None:
        """Rotate, then make the new file private too."""
        super().doRollover()
        _make_private(self.baseFilename)
