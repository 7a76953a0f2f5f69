"""Process-wide resource settings of ``pmemail serve``: open files and the loop's error handler.

Every connection costs a file descriptor, and Linux's default soft limit
(1,024) is reached by an ordinary flood of idle connections. The soft limit
is raised to the hard one at start (systemd's unit sets the hard one with
``LimitNOFILE=``); the connection caps of each listener
(``mailcore.connection_limits``) keep the process below it.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from mailcore.resource_errors import exhausted, log_exhausted

log = logging.getLogger("pmemail.serve")


def raise_open_files_limit() -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard limit; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft == hard:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as err:  # a container may refuse: keep going with the soft one
        log.warning("cannot raise the open files limit from %d to %d: %s", soft, hard, err)
        return soft
    return hard


def quiet_exhaustion(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Event loop exception handler: descriptor/disk shortages as one line a minute.

    asyncio reports a failed ``accept()`` (EMFILE) with a traceback every
    time it retries, once a second per listener; everything else goes to the
    default handler.
    """
    error = context.get("exception")
    if error is not None and exhausted(error):
        log_exhausted(str(context.get("message", "event loop")), error)
        return
    loop.default_exception_handler(context)
