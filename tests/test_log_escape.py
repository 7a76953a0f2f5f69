"""Log lines hold no raw control character from the network (pmemail/serve/logescape.py)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pmemail.serve.logescape import escape_controls
from pmemail.serve.logsetup import setup_logging

HOSTILE = "user\x1b[2J\x1b]0;owned\x07\r\nFAKE ERROR line\x00\x7f\x9b\tend"


def test_escape_controls_keeps_text_and_tab() -> None:
    """C0 (but TAB), DEL and C1 become \\xNN; ordinary text, accents and TAB stay."""
    assert escape_controls("é\tok") == "é\tok"
    assert escape_controls("\x1b[31m\r\n\x00\x7f\x9b") == "\\x1b[31m\\x0d\\x0a\\x00\\x7f\\x9b"
    assert escape_controls("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"


def test_log_file_and_stderr_lines_are_escaped(tmp_path: Path) -> None:
    """An argument with ESC, BEL, CR/LF and NUL stays on its one line, inert."""
    log_file = tmp_path / "logs" / "pmemail.log"
    stream = io.StringIO()
    teardown = setup_logging(log_file, stream=stream)
    try:
        logging.getLogger("pmemail.test").warning("login from %s", HOSTILE)
        try:
            raise ValueError(HOSTILE)
        except ValueError:
            logging.getLogger("pmemail.test").exception("failed for %r", "x\x1b")
    finally:
        teardown()
    for text in (log_file.read_text("utf-8"), stream.getvalue()):
        lines = text.splitlines()
        assert lines[0].endswith(
            "login from user\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x0aFAKE ERROR line\\x00\\x7f\\x9b\tend"
        ), lines[0]
        assert not any(c in text for c in "\x1b\x07\r\x00\x7f\x9b")
        assert "Traceback" in lines[2] and "ValueError: user\\x1b[2J" in text


def test_serve_log_file_keeps_tracebacks_readable(tmp_path: Path) -> None:
    """Through ``setup_logging`` (records cross to a writer thread): a forged line break
    in the message is escaped, the traceback below it keeps its own line breaks."""
    teardown = setup_logging(tmp_path / "pmemail.log", stream=io.StringIO())
    log = logging.getLogger("pmemail.test")
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        log.exception("client said %s", "hi\r\n2026-01-01 INFO forged")
    finally:
        teardown()
    lines = (tmp_path / "pmemail.log").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith("client said hi\\x0d\\x0a2026-01-01 INFO forged")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ZeroDivisionError: division by zero"
