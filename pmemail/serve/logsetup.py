"""Logging of ``pmemail serve``: a rotating file in the data dir, and stderr.

What goes where (each line is written once per destination that wants it):

* **the file** (``server.log_file``, rotated at 10 MB, 5 kept) gets every
  line from INFO up: the startup and shutdown of each service, **one line per
  message** accepted (queue id, sender, client address, recipients, size),
  logins, refusals, warnings and errors, and the tracebacks. It is what the
  dashboard and a support request read.
* **stderr** gets the same lines only when someone reads it live: a terminal,
  or systemd's journal (``JOURNAL_STREAM`` names stderr, so ``journalctl -u``
  shows the activity as systemd users expect). Anywhere else (a file, a pipe:
  the detached server's ``serve-console.log``, another supervisor) it gets
  WARNING and up only, so a busy server does not write each line twice.
  Records marked with :data:`QUIET_ON_STDERR` never reach stderr: the CLI
  prints startup failures itself as exactly one line, tracebacks stay in the
  file.
* **the protocol trace** (aiosmtpd's ``mail.log``: every SMTP command, every
  connection, the AUTH mechanisms of each session) is DEBUG: shown only when
  ``level`` is DEBUG; its warnings (unknown commands, limits) always are.

Log calls on the hot paths use %-style arguments, so a line that is not
emitted costs a level check and no formatting. The lines that are emitted are
written by a thread (``QueueListener``): a write to the log file can wait for
the file system journal, busy with the fsyncs of deliveries, and the event
loop must not wait with it.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import os
import queue
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
PROTOCOL_TRACE = "mail.log"  # aiosmtpd's logger: INFO there is a per-command trace

# A record logged with ``extra={QUIET_ON_STDERR: True}`` goes to the file only:
# the CLI prints startup failures itself as exactly one line.
QUIET_ON_STDERR = "pmemail_quiet_on_stderr"


class _Handoff(logging.handlers.QueueHandler):
    """Hands records to the writer thread without formatting them here.

    The stock ``QueueHandler`` renders the message *and its traceback* into
    ``msg``; the traceback's line breaks would then be escaped with the message
    (one unreadable line). Only the arguments are resolved now (they may change
    before the thread writes), and the traceback is kept as text, apart.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """A copy with ``msg`` resolved, and ``exc_text`` instead of live frames."""
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = record.exc_text or _PLAIN.formatException(record.exc_info)
            record.exc_info = None  # frames would keep every local variable alive
        return record


_PLAIN = logging.Formatter()


class _NotQuiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, QUIET_ON_STDERR, False)


def read_live(stream: TextIO) -> bool:
    """Whether ``stream`` is read as it is written: a terminal or systemd's journal."""
    try:
        if stream.isatty():
            return True
        st = os.fstat(stream.fileno())
    except (OSError, ValueError):  # closed, or no file descriptor (a StringIO)
        return False
    # systemd sets JOURNAL_STREAM=<device>:<inode> of the journal's socket
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    return f"{st.st_dev}:{st.st_ino}" == f"{device}:{inode}"


def setup_logging(
    log_file: Path, level: int = logging.INFO, stream: TextIO | None = None
) -> Callable[[], None]:
    """Send the root logger to ``log_file`` (rotating) and to ``stream`` (see the module).

    Args:
        log_file: the log file; its directory is created.
        level: the root logger's level (DEBUG adds the protocol trace).
        stream: defaults to ``sys.stderr``.

    Returns:
        A function that removes and closes the handlers again.
    """
    stream = stream or sys.stderr
    make_private_dir(log_file.parent)
    formatter = EscapingFormatter(FORMAT)
    file_handler = PrivateRotatingFileHandler(log_file, max_bytes=MAX_BYTES, backups=BACKUPS)
    file_handler.setFormatter(formatter)
    err_handler = logging.StreamHandler(stream)
    err_handler.setFormatter(formatter)
    err_handler.addFilter(_NotQuiet())
    if not read_live(stream):
        err_handler.setLevel(max(level, logging.WARNING))
    listener = logging.handlers.QueueListener(
        queue.SimpleQueue(), file_handler, err_handler, respect_handler_level=True
    )
    to_listener = _Handoff(listener.queue)
    root = logging.getLogger()
    trace = logging.getLogger(PROTOCOL_TRACE)
    previous = root.level, trace.level
    root.setLevel(level)
    trace.setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    listener.start()
    root.addHandler(to_listener)

    def teardown() -> None:
        root.removeHandler(to_listener)
        listener.stop()  # writes what is still queued
        for handler in (file_handler, err_handler):
            handler.close()
        root.setLevel(previous[0])
        trace.setLevel(previous[1])

    return teardown
