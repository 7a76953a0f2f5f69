"""A real terminal for the TUI bench: ``pmemail`` in a detached tmux pane (80×24).

The pane's output is streamed to a file (``tmux pipe-pane``) and read
in-process every 2 ms to see when a screen is painted. (Polling
``capture-pane`` costs a tmux client spawn, ~4 ms of CPU, per poll: at a 5 ms
period that steals a third of a CPU from the app being timed on a loaded
2-CPU machine.) ``capture-pane`` then confirms the screen once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
# control sequences (CSI, OSC, two-byte escapes) between the characters of the stream
ESCAPES = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|[()][0-9A-Za-z]|[0-9=>@-Z\\^_])"  # charset, two-byte
)


class Tmux:
    """A private tmux server, kept alive by an idle session (context manager).

    Killing the last session of a server makes it exit, and the next
    ``new-session`` can race it: the idle session keeps it up between runs.
    """

    def __init__(self) -> None:
        """Start the server with its idle session."""
        self.socket = f"pmemail-bench-{uuid.uuid4().hex[:8]}"
        self("new-session", "-d", "-s", "keeper", "cat")

    def __call__(self, *args: str) -> str:
        """Run one tmux command on this server; its stdout."""
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        ).stdout

    def start(self, config: Path, *command: str, stream: Path | None = None) -> str:
        """``pmemail`` in a new 80×24 session (output piped to ``stream``); its name."""
        name = f"pmemail-{uuid.uuid4().hex[:8]}"
        line = f"cd {ROOT} && exec {sys.executable} -m pmemail --config {config} " + " ".join(
            command
        )
        self("new-session", "-d", "-s", name, "-x", "80", "-y", "24", line)
        if stream is not None:
            self("pipe-pane", "-o", "-t", name, f"cat > {stream}")
        return name

    def screen(self, name: str) -> str:
        """The text on the pane now."""
        return self("capture-pane", "-p", "-t", name)

    def shows(self, name: str, *texts: str, timeout: float = 30.0) -> bool:
        """Poll the screen until every one of ``texts`` shows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if all(text in screen for text in texts):
                return True
            time.sleep(0.05)
        return False

    def app(self, name: str) -> psutil.Process:
        """The pmemail process in session ``name``."""
        pane = int(self("list-panes", "-t", name, "-F", "#{pane_pid}").split()[0])
        proc = psutil.Process(pane)
        for candidate in [proc, *proc.children(recursive=True)]:
            if "pmemail" in " ".join(candidate.cmdline()):
                return candidate
        raise RuntimeError("pmemail process not found")

    def kill(self, name: str, app: psutil.Process | None = None) -> None:
        """End the session, and wait for the app to exit (the next run needs the CPUs)."""
        self("kill-session", "-t", name)
        psutil.wait_procs([app] if app else [], timeout=5)

    def close(self) -> None:
        """Stop this tmux server."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_in_stream(stream: Path, *texts: str, timeout: float = 30.0) -> bool:
    """Read the pane's output as it grows until every one of ``texts`` shows."""
    wanted = [text.encode() for text in texts]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            shown = ESCAPES.sub(b"", stream.read_bytes())
            if all(text in shown for text in wanted):
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    return False
