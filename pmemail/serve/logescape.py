"""Log lines that cannot carry raw control characters from the network.

A client chooses much of what the server logs (an EHLO name, a login, a URL).
Written raw, CR and LF forge whole log lines and ESC/BEL drive the terminal of
the admin who runs ``tail`` on the file. ``EscapingFormatter`` writes them as
``\\xNN`` once, on the rendered line, so no caller has to remember to.
"""

from __future__ import annotations

import logging

# C0 except TAB, DEL, and C1 (0x9b is a one-byte CSI in some terminals).
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x09}
_ESCAPES_KEEP_LF = {c: e for c, e in _ESCAPES.items() if c != 0x0A}


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control characters written as ``\\xNN`` (TAB kept, LF when asked)."""
    return text.translate(_ESCAPES_KEEP_LF if keep_newlines else _ESCAPES)


class EscapingFormatter(logging.Formatter):
    """A ``logging.Formatter`` whose output holds no raw control character.

    The line is escaped after ``%`` substitution, so arguments are covered
    whichever logger wrote them. A traceback keeps its line breaks (it is
    multi-line on purpose) but nothing else.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line for ``record``, escaped."""
        return escape_controls(super().formatMessage(record))

    def format(self, record: logging.LogRecord) -> str:
        """The line, and its traceback or stack escaped but for their line breaks.

        The traceback text is escaped here rather than in ``formatException``:
        ``record.exc_text`` is cached by whichever handler formats it first.
        """
        text = super().format(record)
        if record.exc_text or record.stack_info:
            return escape_controls(text, keep_newlines=True)
        return text
