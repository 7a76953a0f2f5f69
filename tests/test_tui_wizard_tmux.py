"""The wizard as a person uses it: a real terminal (tmux, 80×24), keys, the screen's text.

``pmemail`` runs under ``unshare -n`` (a network namespace with nothing in
it), so nothing it probes can leave the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config_factory import write_config
from tests.tui_wizard_support import app_overrides

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        shutil.which("unshare") is None or os.geteuid() != 0,
        reason="needs root and unshare for a private network namespace",
    ),
]
ROOT = Path(__file__).resolve().parent.parent


def _plain_signals() -> None:
    """In the child before exec: no blocked signal, default dispositions."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in (signal.SIGCHLD, signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)


class Terminal:
    """One detached tmux session running pmemail, on a tmux server of its own.

    A private server (``-L``) so that another tmux user on the machine (a
    bench, a developer) can neither share nor end it.
    """

    def __init__(self, config: Path) -> None:
        self.name = f"pmemail-test-{uuid.uuid4().hex[:8]}"
        self.config = config
        self._tmux = ["tmux", "-L", self.name]

    def start(self) -> None:
        command = (
            f"cd {ROOT} && unshare -n {sys.executable} -m pmemail --config {self.config}; sleep 600"
        )
        argv = [*self._tmux, "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command]
        # The tmux server is forked from this test process: it must not inherit what
        # earlier tests left on it (blocked or ignored signals), or it may exit at once
        # ("server exited unexpectedly"). One more try covers a start lost under load.
        for _attempt in range(2):
            done = subprocess.run(argv, capture_output=True, text=True, preexec_fn=_plain_signals)
            if done.returncode == 0:
                return
            time.sleep(0.5)
        raise AssertionError(f"tmux did not start: {done.stderr.strip()}")

    def keys(self, *keys: str) -> None:
        subprocess.run([*self._tmux, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        return subprocess.run(
            [*self._tmux, "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The screen once ``text`` is on it (fails with the last screen otherwise)."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")

    def kill(self) -> None:
        subprocess.run([*self._tmux, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    any_interface = {"network": {"interface": ""}}
    config = write_config(tmp_path, app_overrides(), any_interface, loopback=False).path
    term = Terminal(config)
    try:
        yield term
    finally:
        term.kill()


@pytest.mark.timeout(240)
def test_walk_the_first_steps_then_resume(terminal: Terminal) -> None:
    terminal.start()
    screen = terminal.wait_for("Step 1 of 10 · Welcome")
    assert "English" in screen and "Français" in screen
    assert "PageDown = Next" in screen or "pgdn" in screen
    terminal.keys("PageDown")
    screen = terminal.wait_for("no network interface to look from")
    assert "Step 2 of 10 · Network" in screen
    assert "no default route" in screen
    terminal.keys("PageDown")
    screen = terminal.wait_for("Verdict:")
    assert "Step 3 of 10 · Internet subscription checks" in screen
    terminal.keys("PageDown")
    terminal.wait_for("Step 4 of 10 · Domain and DNS")
    time.sleep(1.5)  # the screen is drawn: let its focus settle (slow under load)
    for keys in ("bureau.be", "Tab", "mail.bureau.be"):  # the domain field has the focus
        terminal.keys(keys)
        time.sleep(0.3)
    screen = terminal.wait_for("bureau.be. IN MX 10 mail.bureau.be.")
    terminal.keys("PageDown")
    screen = terminal.wait_for("Step 5 of 10 · Port plan")
    assert "Why not a DMZ?" in screen
    assert 'domain = "bureau.be"' in terminal.config.read_text()
    terminal.keys("C-q")
    time.sleep(1)
    terminal.kill()
    terminal.start()  # a new start resumes where the admin left
    screen = terminal.wait_for("Step 5 of 10 · Port plan")
    assert "20800/TCP" in screen
