"""Running out of file descriptors or disk: a temporary failure, logged in one line.

When the process has no descriptor left (EMFILE, ENFILE) or the disk is full
(ENOSPC, EDQUOT), every connection fails the same way. Each protocol answers
with its *temporary* failure (SMTP 4xx, IMAP NO, POP3 -ERR, HTTP 503) so
senders retry instead of bouncing, and ``RateLimitedLog`` writes one line a
minute saying how often it happened, instead of one traceback per connection
(which, in a flood, rotates every earlier log line away within seconds).
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import Any

EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOSPC, errno.EDQUOT, errno.ENOMEM})
DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE})
LOG_INTERVAL = 60.0


def exhausted(error: BaseException) -> bool:
    """Whether ``error`` says descriptors, memory or disk ran out (a retry may work)."""
    return isinstance(error, OSError) and error.errno in EXHAUSTED


def out_of_descriptors(error: BaseException) -> bool:
    """Whether ``error`` is EMFILE/ENFILE (as opposed to a full disk)."""
    return isinstance(error, OSError) and error.errno in DESCRIPTORS


class RateLimitedLog:
    """At most one warning per key and interval; the next one counts the ones skipped."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Log to ``logger`` once per ``interval`` seconds per key."""
        self._logger, self._interval, self._clock = logger, interval, clock
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def warning(self, key: str, msg: str, *args: Any) -> bool:
        """Log ``msg % args`` unless ``key`` was logged less than ``interval`` ago.

        Returns:
            Whether a line was written.
        """
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._skipped[key] = self._skipped.get(key, 0) + 1
            return False
        self._last[key] = now
        skipped = self._skipped.pop(key, 0)
        if skipped:
            msg += " (and %d more since the last such line)"
            args = (*args, skipped)
        self._logger.warning(msg, *args)
        return True


_resource_log = RateLimitedLog(logging.getLogger("pmemail.resources"))


def log_exhausted(where: str, error: BaseException) -> None:
    """One rate-limited line for a descriptor/disk shortage seen by ``where``."""
    key = "descriptors" if out_of_descriptors(error) else "disk"
    _resource_log.warning(key, "%s: %s", where, error)
