"""What ``pmemail serve`` logs, and where: one INFO line per message, no command trace."""

from __future__ import annotations

import io
import logging
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.users import UserStore
from pmemail.serve.logsetup import PROTOCOL_TRACE, read_live, setup_logging
from tests.serve_support import DOMAIN, Server, ServeSetup

USER = f"alice@{DOMAIN}"


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "sender@remote.example"
    msg["To"] = USER
    msg["Subject"] = "one line in the log"
    msg.set_content("Hello.\n")
    return msg


def test_a_delivered_message_is_one_info_line(tmp_path: Path) -> None:
    """A real server: the file gets one line for the message, stderr (a file) no INFO."""
    setup = ServeSetup(tmp_path)
    setup.write()
    UserStore(setup.data / "users.sqlite3", [DOMAIN]).add_user(USER, "not-used-here-1")
    server = Server(setup)
    try:
        server.wait_ready()
        with smtplib.SMTP("127.0.0.1", setup.ports["smtp"], timeout=30) as client:
            client.send_message(_message())
    finally:
        code, stderr = server.terminate()
    assert code == 0, stderr
    # read once the server has stopped: lines are written by a thread, a moment later
    after = (setup.data / "logs" / "pmemail.log").read_text().splitlines()
    new = [line for line in after if "sender@remote.example" in line or "mail.log" in line]
    assert len(new) == 1, new
    assert " INFO pmemail.smtp: accepted " in new[0]
    assert "<sender@remote.example> (127.0.0.1) for alice@example.test" in new[0]
    assert not [line for line in after if PROTOCOL_TRACE in line]  # no per-command lines
    assert " INFO " not in stderr, stderr  # stderr is a file here, not a terminal


def test_stderr_not_read_live_gets_warnings_only(tmp_path: Path) -> None:
    """A pipe or file as stderr: WARNING and up there, everything in the file."""
    stream = io.StringIO()
    teardown = setup_logging(tmp_path / "logs" / "x.log", stream=stream)
    try:
        logging.getLogger("pmemail.test").info("an info line")
        logging.getLogger("pmemail.test").warning("a warning line")
        logging.getLogger(PROTOCOL_TRACE).info("a command line")
    finally:
        teardown()
    file_text = (tmp_path / "logs" / "x.log").read_text()
    assert "an info line" in file_text and "a warning line" in file_text
    assert "a command line" not in file_text
    assert "a warning line" in stream.getvalue() and "an info line" not in stream.getvalue()


def test_debug_level_adds_the_protocol_trace(tmp_path: Path) -> None:
    """At DEBUG the SMTP command trace reaches the file; the level is restored after."""
    trace = logging.getLogger(PROTOCOL_TRACE)
    previous = trace.level
    teardown = setup_logging(tmp_path / "x.log", level=logging.DEBUG, stream=io.StringIO())
    try:
        trace.info("a command line")
    finally:
        teardown()
    assert "a command line" in (tmp_path / "x.log").read_text()
    assert trace.level == previous


def test_terminal_and_journal_are_read_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal, or the stream systemd's JOURNAL_STREAM names, gets every line."""
    leader, follower = os.openpty()
    with open(follower, "w") as tty, open(tmp_path / "out", "w") as plain:
        assert read_live(tty)
        monkeypatch.delenv("JOURNAL_STREAM", raising=False)
        assert not read_live(plain)
        st = os.fstat(plain.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert read_live(plain)
    os.close(leader)
