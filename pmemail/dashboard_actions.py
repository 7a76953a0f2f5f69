"""The dashboard's one-click actions, as plain blocking functions (no UI).

Each returns an :class:`ActionResult` (a headline and detail lines) or
raises :class:`ActionError` with one line for the admin. They block (process
start, router round trips): the TUI calls them from worker threads.

``pmemail serve`` is started *detached*: a tiny launcher process starts it
in its own session and exits at once, so the server is not a child of the
TUI (quitting the TUI leaves it running, and no zombie or ResourceWarning
is left behind in the TUI's process).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from mailcore.control import ControlError, NotRunning, query_control_sync
from mailcore.pidfile import read_pid
from mailcore.queue.store import QueueError, QueueStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.dashboard_sources import tail_lines

if TYPE_CHECKING:
    from netcore.checks.result import CheckResult
    from netcore.forwarding import ForwardingReport, PortOutcome

# The doctor (requests, dnspython) and the router clients (miniupnpc) are
# imported by the actions that use them: the dashboard paints before that.

CONSOLE_LOG = "serve-console.log"  # the server's stdout/stderr, beside its log file
POLL = 0.05

# Runs in the launcher process: start the server in a new session, print its pid.
_LAUNCHER = """\
import subprocess, sys
with open(sys.argv[1], "ab") as out:
    proc = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out,
                            stderr=out, start_new_session=True, close_fds=True)
print(proc.pid, flush=True)
"""


class ActionError(Exception):
    """An action failed; the message is one line for the admin."""


@dataclass(frozen=True)
class ActionResult:
    """What an action did: a headline and optional detail lines."""

    message: str
    details: list[str] = field(default_factory=list)
    ok: bool = True  # False: it ran, but not everything worked (e.g. some ports refused)


def console_log(config: Config, paths: DataPaths) -> Path:
    """Where the detached server's own output goes (startup errors land here)."""
    return paths.log_file(config).with_name(CONSOLE_LOG)


def server_pid(config: Config, paths: DataPaths) -> int | None:
    """The pid of the running server, or None when nothing answers."""
    try:
        answer = query_control_sync(paths.control_socket(config), {"cmd": "ping"}, 2.0)
    except ControlError:
        return None
    pid = answer.get("pid")
    return pid if isinstance(pid, int) else None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def start_server(config: Config, config_path: Path, paths: DataPaths) -> ActionResult:
    """Start ``pmemail serve`` detached and wait until its control socket answers.

    Raises:
        ActionError: it is already running, or it exited / did not answer
            within ``dashboard.start_timeout`` (with its last output line).
    """
    running = server_pid(config, paths)
    if running is not None:
        raise ActionError(f"pmemail serve is already running (pid {running})")
    out = console_log(config, paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pmemail", "--config", str(config_path), "serve"]
    try:
        launched = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(out), *argv],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        pid = int(launched.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as err:
        raise ActionError(f"cannot start pmemail serve: {err}") from None
    deadline = time.monotonic() + config.dashboard.start_timeout
    while time.monotonic() < deadline:
        if server_pid(config, paths) is not None:
            return ActionResult(f"pmemail serve started (pid {pid})")
        if not _alive(pid):
            last = next((ln for ln in reversed(tail_lines(out, 20)) if ln.strip()), "")
            raise ActionError(f"pmemail serve exited at once: {last or 'no output'} (see {out})")
        time.sleep(POLL)
    raise ActionError(
        f"pmemail serve (pid {pid}) did not answer within "
        f"{config.dashboard.start_timeout:g} s (see {paths.log_file(config)})"
    )


def stop_server(config: Config, paths: DataPaths) -> ActionResult:
    """Ask the server to stop (control socket) and wait until its process is gone.

    Raises:
        ActionError: it is not running, refused, or did not exit in time.
    """
    pid = server_pid(config, paths) or read_pid(paths.pidfile(config))
    try:
        answer = query_control_sync(paths.control_socket(config), {"cmd": "stop"})
    except NotRunning:
        raise ActionError("pmemail serve is not running") from None
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        raise ActionError(str(answer.get("error", "the server refused to stop")))
    deadline = time.monotonic() + config.dashboard.start_timeout
    while pid is not None and _alive(pid):
        if time.monotonic() > deadline:
            raise ActionError(
                f"pmemail serve (pid {pid}) is still stopping after "
                f"{config.dashboard.start_timeout:g} s"
            )
        time.sleep(POLL)
    return ActionResult("pmemail serve stopped" + (f" (pid {pid})" if pid else ""))


def restart_server(config: Config, config_path: Path, paths: DataPaths) -> ActionResult:
    """Stop the server when it runs, then start it again."""
    details = []
    if server_pid(config, paths) is not None:
        details.append(stop_server(config, paths).message)
    started = start_server(config, config_path, paths)
    return ActionResult(f"restarted: {started.message}", [*details, started.message])


def retry_queue(config: Config, paths: DataPaths) -> ActionResult:
    """Make every queued recipient due now.

    Through the running server (it retries at once), or directly in the
    queue directory when it is stopped (retried when it starts).

    Raises:
        ActionError: the server refused, or the queue cannot be changed.
    """
    try:
        answer = query_control_sync(paths.control_socket(config), {"cmd": "queue_retry"})
    except NotRunning:
        try:
            count = QueueStore(paths.queue).retry_now()
        except (QueueError, OSError) as err:
            raise ActionError(f"cannot change the queue: {err}") from None
        return ActionResult(f"{count} recipient(s) will be retried when pmemail serve runs")
    except ControlError as err:
        raise ActionError(str(err)) from None
    if not answer.get("ok"):
        raise ActionError(str(answer.get("error", "the server refused to retry the queue")))
    return ActionResult(f"{answer.get('result', 0)} recipient(s) are being retried now")


def _summary(report: ForwardingReport, done: str) -> ActionResult:
    from netcore.forwarding_report import outcome_line

    lines = [outcome_line(o) for o in report.outcomes]
    if report.router_error and not report.mapped:
        lines.insert(0, report.router_error)
    if not report.outcomes:
        return ActionResult(f"nothing to do ({done} 0 ports)", lines)
    head = f"{done} {len(report.mapped)} of {len(report.outcomes)} port(s)"
    if report.failed:
        head += f"; {len(report.failed)} failed"
    return ActionResult(head, lines, ok=not report.failed)


def _router_call(what: str, call: Callable[[], ForwardingReport]) -> ForwardingReport:
    from netcore.router.errors import RouterError

    try:
        return call()
    except (RouterError, OSError, ValueError) as err:
        # OSError too: no route, a refused socket (the test network guard) ...
        raise ActionError(f"{what}: {err or type(err).__name__}") from None


def forward_all(
    config: Config, paths: DataPaths, progress: Callable[[PortOutcome], None] | None = None
) -> ActionResult:
    """Apply the whole port plan on the router again.

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call(
        "cannot forward the ports", lambda: Forwarder(config, paths).apply(progress=progress)
    )
    return _summary(report, "forwarded")


def remove_mappings(config: Config, paths: DataPaths) -> ActionResult:
    """Delete every pmemail mapping from the router (others are left alone).

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call("cannot remove the mappings", Forwarder(config, paths).remove)
    return _summary(report, "removed")


def rerun_checks(
    config: Config, paths: DataPaths, on_result: Callable[[CheckResult], None] | None = None
) -> ActionResult:
    """Run the doctor's checks (``on_result`` gets each as it finishes).

    Must be called from a thread without a running event loop (a worker).
    """
    from netcore.checks.runner import run_checks

    report = asyncio.run(run_checks(config, paths, on_result))
    verdict = {0: "all checks passed", 1: "warnings", 2: "problems found"}[report.exit_code]
    lines = [f"{c.status.upper():7} {c.title}: {c.finding}" for c in report.checks]
    return ActionResult(
        f"checks done in {report.seconds:.1f} s: {verdict}", lines, ok=report.exit_code == 0
    )
