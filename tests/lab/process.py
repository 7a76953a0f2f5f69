"""Process helpers: liveness, killing by pid, waiting for log lines.

Everything here works by pid (never by process name) so that the lab can
only ever end processes that live inside its own namespaces.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

POLL_S = 0.05
"""Polling interval for log lines and process exits."""


class LabError(RuntimeError):
    """The lab could not be built or a lab command failed."""


def alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie.

    A daemon reparented to a slow reaper stays a zombie for a while, so the
    existence of /proc/PID alone would make a wait loop wait for nothing.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # the state follows the parenthesised command name, which may hold spaces
    state = stat.rpartition(")")[2].split()[:1]
    return bool(state) and state[0] not in ("Z", "X")


def kill_pids(pids: Iterable[int], grace_s: float = 1.0) -> None:
    """SIGTERM the given pids, wait up to ``grace_s``, then SIGKILL survivors."""
    todo = [p for p in pids if p > 1 and p != os.getpid()]
    for pid in todo:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(alive(p) for p in todo):
        time.sleep(POLL_S)
    for pid in todo:
        if alive(pid):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop_popen(proc: subprocess.Popen[bytes], grace_s: float = 1.0) -> None:
    """Terminate a child we started and reap it (no zombies left behind)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def netns_pids(ns: str) -> list[int]:
    """Pids of every process whose network namespace is ``ns``."""
    res = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=False)
    return [int(tok) for tok in res.stdout.split() if tok.isdigit()]


def wait_for_log(
    path: Path,
    patterns: Iterable[str],
    *,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    fail_patterns: Iterable[str] = (),
) -> str:
    """Wait until every regex in ``patterns`` matches the file at ``path``.

    Polls every 50 ms.  Raises LabError with the log tail when ``proc``
    exits, a ``fail_patterns`` regex matches, or ``timeout`` expires.
    Returns the log text.
    """
    want = [re.compile(p) for p in patterns]
    fail = [re.compile(p) for p in fail_patterns]
    deadline = time.monotonic() + timeout
    text = ""
    while True:
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        if all(p.search(text) for p in want):
            return text
        bad = next((p.pattern for p in fail if p.search(text)), None)
        reason = None
        if bad is not None:
            reason = f"log matched {bad!r}"
        elif proc is not None and proc.poll() is not None:
            reason = f"process exited with {proc.returncode}"
        elif time.monotonic() > deadline:
            reason = f"timeout after {timeout} s"
        if reason is not None:
            tail = "\n".join(text.splitlines()[-20:])
            raise LabError(f"{path.name}: {reason}; last lines:\n{tail}")
        time.sleep(POLL_S)
