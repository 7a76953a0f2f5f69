"""A real terminal for the app's tests: a detached tmux session, keys in, the screen's text out.

Used by the wizard's tmux walks (``tests/test_tui_wizard_tmux.py`` under
``unshare -n``, ``tests/test_tui_wizard_lab_tmux.py`` inside the router lab).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAME = " █▌▐▊▎│┃"
"""What may stand right of a field: spaces and a dialog's border."""


def _plain_signals() -> None:
    """In the child before exec: no blocked signal, default dispositions."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in (signal.SIGCHLD, signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)


class Terminal:
    """One detached tmux session running pmemail, on a tmux server of its own.

    A private server (``-L``) so that another tmux user on the machine (a
    bench, a developer) can neither share nor end it.

    Args:
        config: the config file pmemail opens.
        launcher: what runs ``python -m pmemail`` (a network namespace of its own).
        args: pmemail's own arguments before ``--config`` (``--lang fr``).
        size: columns and rows of the terminal.
    """

    def __init__(
        self,
        config: Path,
        launcher: str = "unshare -n",
        args: str = "",
        size: tuple[int, int] = (80, 24),
    ) -> None:
        self.name = f"pmemail-test-{uuid.uuid4().hex[:8]}"
        self.config = config
        self.launcher = launcher
        self.args = args
        self.size = size
        self._tmux = ["tmux", "-L", self.name]

    def start(self) -> None:
        """Open the session; pmemail starts in it (the shell stays after it exits)."""
        command = (
            f"cd {ROOT} && {self.launcher} {sys.executable} -m pmemail {self.args} "
            f"--config {self.config}; sleep 600"
        )
        cols, rows = self.size
        argv = [
            *self._tmux,
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(cols),
            "-y",
            str(rows),
            command,
        ]
        # The tmux server is forked from this test process: it must not inherit what
        # earlier tests left on it (blocked or ignored signals), or it may exit at once
        # ("server exited unexpectedly"). One more try covers a start lost under load.
        # COLUMNS/LINES (pytest sets them) would override the terminal's size in Textual
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        for _attempt in range(2):
            done = subprocess.run(
                argv, capture_output=True, text=True, preexec_fn=_plain_signals, env=env
            )
            if done.returncode == 0:
                return
            time.sleep(0.5)
        raise AssertionError(f"tmux did not start: {done.stderr.strip()}")

    def keys(self, *keys: str) -> None:
        """``tmux send-keys``: key names (``PageDown``, ``Tab``) or text."""
        subprocess.run([*self._tmux, "send-keys", "-t", self.name, *keys], check=True)

    def click(self, text: str, below: int = 0, right: int = 0, timeout: float = 30.0) -> None:
        """A mouse click (SGR encoding, as a terminal sends it) on ``text`` where it first
        shows, or ``below`` rows under it / ``right`` columns after it (a field beside or
        under its label).

        Buttons are pressed and fields focused as a person does, wherever the focus was.
        """
        for row, line in enumerate(self.wait_for(text, timeout).splitlines(), start=1):
            col = line.find(text)
            if col >= 0:
                at = f"{col + 2 + right};{row + below}"
                self.keys("-l", f"\x1b[<0;{at}M")
                self.keys("-l", f"\x1b[<0;{at}m")
                return

    def fill(
        self, label: str, value: str, below: int = 0, right: int = 0, secret: bool = False
    ) -> None:
        """Click the field at ``label`` (see :meth:`click`), empty it and type ``value``,
        until the field's line shows ``value`` (as dots when ``secret``).

        A click's focus change and the keys that follow race inside the app: keys
        sent before the focus moved land in the field that had it, so the whole
        fill is tried again until the line reads right.
        """
        shown = "•" * len(value) if secret else value
        for _attempt in range(5):
            self.click(label, below, right)
            time.sleep(0.5)  # not an assertion: lets the click's focus land first
            self.keys("End")
            self.keys("C-u")
            if not self._until(lambda: not self._reads(label, below, shown), 3):
                continue  # still the old text: the keys went elsewhere (or a stale screen)
            self.keys("-l", value)
            if self._until(lambda: self._reads(label, below, shown), 5):
                return
        line = self._field_line(label, below)
        raise AssertionError(f"the field at {label!r} never read {value!r}: {line!r}")

    @staticmethod
    def _until(condition: Callable[[], bool], seconds: float) -> bool:
        """Poll ``condition`` for up to ``seconds``; whether it came true."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    def _reads(self, label: str, below: int, shown: str) -> bool:
        """The field at ``label`` shows exactly ``shown`` (not a longer value ending so)."""
        line = self._field_line(label, below)
        before = line[: len(line) - len(shown)]
        return line.endswith(shown) and (not before or before[-1] in FRAME)

    def _field_line(self, label: str, below: int) -> str:
        lines = self.screen().splitlines()
        row = next((i for i, line in enumerate(lines) if label in line), None)
        if row is None or row + below >= len(lines):
            return ""
        return lines[row + below].rstrip(FRAME)

    def screen(self) -> str:
        """The text the terminal shows now."""
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
        """End the tmux server and with it the session's processes (SIGHUP)."""
        subprocess.run([*self._tmux, "kill-server"], check=False, capture_output=True)
