"""TUI speed: first painted screen and dashboard idle CPU, beside a running server.

Usage (from the project root, as root)::

    bash dev.sh bench tui [--rounds 5] [--idle SECONDS]

The bench re-runs itself in a private network namespace holding only
loopback (``unshare -n``, then ``ip link set lo up``), so the app keeps its
default network settings (echo services, port-25 probes, the router) and
nothing it probes leaves the machine. Inside, ``pmemail serve`` runs as
shipped (:class:`~bench.shipped_server.ShippedServer`) and the real
``python -m pmemail`` runs in a tmux pane (80×24) on the server's own config.

* first paint, ``--rounds`` rounds after a warm-up, order alternated: wall
  time from spawning the app to its first complete screen (title and footer
  keys), for the wizard on a fresh config and for the dashboard of the
  running server; min / median / max and the CPU seconds the app used by
  then (steadier than wall time on a loaded machine).
* idle CPU: the dashboard left alone for ``--idle`` seconds (default two
  ``dashboard.network_refresh`` periods, so two network refreshes are inside
  the window): CPU time of the app (user + system, reaped children included)
  over wall time, per network period and overall; the server's CPU over the
  same window beside it, for information.

Goals (issue 5): first paint < 0.8 s, idle CPU < 2 % of one CPU.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.method import BenchFailure, Measure, alternate, goal_line, spread  # noqa: E402
from bench.shipped_server import ShippedServer  # noqa: E402
from bench.tui.terminal import Tmux, wait_in_stream  # noqa: E402
from pmemail.app.init_setup import initial_config  # noqa: E402
from pmemail.config import save_config  # noqa: E402

INSIDE = "PMEMAIL_BENCH_TUI_NETNS"
PAINT_GOAL, IDLE_GOAL = 0.8, 2.0
# a screen is painted when its title and its footer keys both show
# (Textual fills the footer one refresh after the rest)
WIZARD_SCREEN = ("Step 1 of 10", "pgdn")
DASHBOARD_SCREEN = ("your office mail server", "Refresh")
SERVER_SHOWN = "serve running"  # the dashboard has read the server's status


def isolate() -> None:
    """Re-run this script in a new network namespace with loopback up (needs root)."""
    if os.environ.get(INSIDE) == "1":
        return
    missing = [tool for tool in ("unshare", "ip", "tmux") if shutil.which(tool) is None]
    if os.geteuid() != 0 or missing:
        sys.exit(f"bench/tui: needs root and {', '.join(missing) or 'unshare, ip, tmux'}")
    argv = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execvpe(
        "unshare",
        ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *argv],
        {**os.environ, INSIDE: "1"},
    )


class FirstPaint:
    """One screen's first paint, timed from spawning the app."""

    def __init__(
        self, tmux: Tmux, config: Path, screen: tuple[str, ...], *command: str, fresh: bool = False
    ) -> None:
        """``command`` opens ``screen`` from ``config``; ``fresh``: its data dir removed first."""
        self.tmux, self.config, self.screen, self.command = tmux, config, screen, command
        self.fresh = fresh
        self.cpu: list[float] = []

    def __call__(self) -> Measure:
        """One run: the seconds (in ``Measure.rate``: lower is better here)."""
        if self.fresh:  # the wizard remembers where it was left in its data dir
            shutil.rmtree(self.config.parent / "data", ignore_errors=True)
        stream = self.config.parent / "pane-output"
        stream.unlink(missing_ok=True)
        app: psutil.Process | None = None
        began = time.monotonic()
        name = self.tmux.start(self.config, *self.command, stream=stream)
        try:
            seen = wait_in_stream(stream, *self.screen)
            elapsed = time.monotonic() - began
            app = self.tmux.app(name)
            self.cpu.append(sum(app.cpu_times()[:2]))
            if not seen or not self.tmux.shows(name, *self.screen, timeout=2.0):
                raise BenchFailure(f"never painted {self.screen}:\n{self.tmux.screen(name)}")
            return Measure(elapsed, f"s, app CPU {self.cpu[-1]:.2f} s")
        finally:
            self.tmux.kill(name, app)


def wizard_config(root: Path) -> Path:
    """A fresh admin's config (defaults, own data dir): the wizard opens on step 1."""
    path = root / "wizard" / "pmemail.toml"
    path.parent.mkdir()
    save_config(path, initial_config(data_dir=str(root / "wizard" / "data")))
    return path


def first_paints(tmux: Tmux, server: ShippedServer, root: Path, rounds: int) -> None:
    """Both screens, alternated, with their goal."""
    sides = {
        "wizard": FirstPaint(tmux, wizard_config(root), WIZARD_SCREEN, fresh=True),
        "dashboard": FirstPaint(tmux, server.config_path, DASHBOARD_SCREEN, "dashboard"),
    }
    result = alternate(dict(sides), rounds)
    print(f"== first paint, seconds ({len(result.loads)} rounds after a warm-up)")
    for name, paint in sides.items():
        seconds = result.rates[name]
        print(f"  {name:<10} s: min / median / max = {spread(seconds)}")
        print(f"  {name:<10} app CPU s by then: min / median / max = {spread(paint.cpu[1:])}")
        print(
            "  "
            + goal_line(f"{name} first paint (s)", statistics.median(seconds), PAINT_GOAL, False)
        )
    print(f"  load average at each round: {' '.join(f'{x:.2f}' for x in result.loads)}")


def idle_cpu(tmux: Tmux, server: ShippedServer, seconds: float) -> None:
    """The dashboard left alone for ``seconds``: its CPU per network period and overall."""
    period = server.config.dashboard.network_refresh
    if seconds < 2 * period:
        print(f"NOTE: --idle {seconds:g} s is under two network refreshes ({2 * period:g} s)")
    name = tmux.start(server.config_path, "dashboard")
    app: psutil.Process | None = None
    try:
        if not tmux.shows(name, *DASHBOARD_SCREEN, SERVER_SHOWN):
            raise BenchFailure(f"the dashboard never showed the server:\n{tmux.screen(name)}")
        app, serve = tmux.app(name), psutil.Process(server.pid)
        time.sleep(3.0)  # the refreshes started by opening the screen finish
        load = os.getloadavg()[0]
        began, app0, serve0 = time.monotonic(), sum(app.cpu_times()[:4]), serve.cpu_times()
        slices: list[float] = []
        mark, at = app0, began
        while (now := time.monotonic()) < began + seconds:
            time.sleep(min(period, began + seconds - now))
            used, at_now = sum(app.cpu_times()[:4]), time.monotonic()
            slices.append(100.0 * (used - mark) / (at_now - at))
            mark, at = used, at_now
        wall = time.monotonic() - began
        app_pct = 100.0 * (sum(app.cpu_times()[:4]) - app0) / wall
        serve_pct = 100.0 * (sum(serve.cpu_times()[:2]) - sum(serve0[:2])) / wall
        if not app.is_running() or SERVER_SHOWN not in tmux.screen(name):
            raise BenchFailure(f"the dashboard stopped showing the server:\n{tmux.screen(name)}")
    finally:
        tmux.kill(name, app)
    print(
        f"== dashboard idle CPU over {wall:.0f} s (network_refresh {period:g} s), load {load:.2f}"
    )
    print(f"  app % of one CPU per network period: {' '.join(f'{x:.2f}' for x in slices)}")
    print(f"  server (pmemail serve) % of one CPU over the window: {serve_pct:.2f}")
    met = "met" if app_pct <= IDLE_GOAL else "NOT met"
    print(f"  dashboard idle CPU: {app_pct:.2f} % of one CPU, goal ≤ {IDLE_GOAL:g} %: {met}")


def main() -> int:
    """Both measurements, printed; 1 when the work was not done."""
    parser = argparse.ArgumentParser(description="pmemail TUI speed")
    parser.add_argument("--rounds", type=int, default=5, help="first-paint rounds (≥ 5)")
    parser.add_argument("--idle", type=float, help="seconds (default 2 × network_refresh)")
    args = parser.parse_args()
    isolate()
    try:
        with tempfile.TemporaryDirectory(prefix="pmemail-bench-tui-") as tmp, Tmux() as tmux:
            root = Path(tmp)
            with ShippedServer(root / "server") as server:
                print(f"pmemail serve pid {server.pid}; {psutil.cpu_count()} CPUs", flush=True)
                first_paints(tmux, server, root, args.rounds)
                idle = args.idle or 2 * server.config.dashboard.network_refresh
                idle_cpu(tmux, server, idle)
    except BenchFailure as failure:
        print(f"BENCH FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
