"""TUI speed: time from ``pmemail`` start to the first painted screen, dashboard idle CPU.

Runs the real ``python -m pmemail`` in a detached tmux terminal (80×24)
under ``unshare -n`` (nothing it probes leaves the machine; needs root)::

    /tmp/tv/bin/python bench/tui/run.py [--runs 5] [--idle 30]

* first paint: wall time from spawning the process until the wizard's
  first line is on the tmux screen (polled every 5 ms), median of --runs;
* idle CPU: the dashboard left alone for --idle seconds, CPU time of the
  process (psutil ``cpu_times``, user + system, children included) divided
  by the wall time.

Targets (issue 5): first paint < 0.8 s, idle CPU < 2 %.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
FIRST_LINE = "Step 1 of 10"
DASHBOARD_MARK = "pmemail"


def write_config(root: Path) -> Path:
    """A config with no network to probe (echo and probes on a closed loopback port)."""
    path = root / "pmemail.toml"
    path.write_text("\n".join([
        f'data_dir = "{root / "data"}"',
        "[network]", 'echo_url = ["http://127.0.0.1:9"]', 'port25_probes = ["127.0.0.1:9"]',
        'resolver = "127.0.0.1:9"', "http_timeout = 0.5", "connect_timeout = 0.5",
        "dns_timeout = 0.3", "check_timeout = 2.0", "upnp_discover_ms = 200",
        "natpmp_timeout = 0.2", ""]))
    return path


def tmux(*args: str) -> str:
    """Run one tmux command; its stdout."""
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def start(config: Path, *command: str) -> str:
    """``pmemail`` in a new detached 80×24 tmux session; the session's name."""
    name = f"pmemail-bench-{uuid.uuid4().hex[:8]}"
    line = (f"cd {ROOT} && exec unshare -n {sys.executable} -m pmemail --config {config} "
            + " ".join(command))
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", line)
    return name


def wait_for(name: str, text: str, timeout: float = 30.0) -> bool:
    """Poll the screen until ``text`` shows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in tmux("capture-pane", "-p", "-t", name):
            return True
        time.sleep(0.005)
    return False


def first_paint(config: Path) -> float:
    """Seconds from spawn to the wizard's first line on screen (fresh data dir)."""
    shutil.rmtree(config.parent / "data", ignore_errors=True)
    began = time.monotonic()
    name = start(config)
    try:
        if not wait_for(name, FIRST_LINE):
            raise RuntimeError("the wizard never painted:\n" + tmux("capture-pane", "-p",
                                                                    "-t", name))
        return time.monotonic() - began
    finally:
        tmux("kill-session", "-t", name)


def app_process(name: str) -> psutil.Process:
    """The pmemail process inside the tmux session."""
    pane = int(tmux("list-panes", "-t", name, "-F", "#{pane_pid}").split()[0])
    proc = psutil.Process(pane)
    for candidate in [proc, *proc.children(recursive=True)]:
        if "pmemail" in " ".join(candidate.cmdline()):
            return candidate
    raise RuntimeError("pmemail process not found")


def idle_cpu(config: Path, seconds: float) -> float:
    """Percent of one CPU the dashboard uses while nobody touches it."""
    name = start(config, "dashboard")
    try:
        if not wait_for(name, DASHBOARD_MARK):
            raise RuntimeError("the dashboard never painted")
        time.sleep(3.0)  # let the first refreshes finish
        proc = app_process(name)
        before, t0 = proc.cpu_times(), time.monotonic()
        time.sleep(seconds)
        after, t1 = proc.cpu_times(), time.monotonic()
        used = sum(after[:4]) - sum(before[:4])  # user, system, children user/system
        return 100.0 * used / (t1 - t0)
    finally:
        tmux("kill-session", "-t", name)


def main() -> int:
    """Print both numbers against their targets."""
    parser = argparse.ArgumentParser(description="pmemail TUI speed")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=30.0)
    args = parser.parse_args()
    if shutil.which("tmux") is None or shutil.which("unshare") is None:
        print("bench/tui needs tmux and unshare (run as root)")
        return 2
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-tui-") as tmp:
        config = write_config(Path(tmp))
        times = [first_paint(config) for _ in range(args.runs)]
        print(f"first paint: median {statistics.median(times):.3f} s, best {min(times):.3f} s,"
              f" worst {max(times):.3f} s over {args.runs} runs (target < 0.8 s)")
        cpu = idle_cpu(config, args.idle)
        print(f"dashboard idle CPU: {cpu:.2f} % over {args.idle:g} s (target < 2 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
