"""Process-wide resource settings of ``pmemail serve``: open files, the C allocator,
and the loop's error handler.

Every connection costs a file descriptor, and Linux's default soft limit
(1,024) is reached by an ordinary flood of idle connections. The soft limit
is raised to the hard one at start (systemd's unit sets the hard one with
``LimitNOFILE=``); the connection caps of each listener
(``mailcore.connection_limits``) keep the process below it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
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


_M_MMAP_THRESHOLD = -3  # mallopt parameters from glibc's <malloc.h>
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20
"""Allocations at least this big get pages of their own, returned to the system when freed."""


def tune_allocator() -> bool:
    """Keep big, short-lived C buffers from staying in the process after use.

    Each password check (argon2id) takes a 19 MiB buffer in a worker thread. glibc
    raises its mmap threshold after such a buffer is freed (up to 32 MiB), so the
    next ones come from the thread's heap, which keeps the pages: two checking
    threads then held about 40 MiB for good. A fixed threshold switches that
    adjustment off; fewer arenas keep the heaps of the loop's helper threads
    together. Returns False where the C library has no ``mallopt`` (not glibc).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_ARENA_MAX, 2))


TLS_READ_BUFFER = 32 * 1024
"""Bytes each TLS connection reads into at a time: two full TLS records (16 KiB each)."""


def shrink_tls_buffers() -> None:
    """Give each TLS connection a 32 KiB read buffer instead of asyncio's 256 KiB.

    asyncio allocates (and zeroes) its whole read buffer when a TLS connection
    starts, so every client in IDLE held 256 KiB: 500 of them, 125 MiB. A TLS
    record carries at most 16 KiB, so a smaller buffer only means more reads of
    a big upload, never a lost byte.
    """
    from asyncio import sslproto

    sslproto.SSLProtocol.max_size = TLS_READ_BUFFER


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
