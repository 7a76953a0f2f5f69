"""Plain SMTP (the port-25 service): Postfix's ``smtp-source`` against both servers.

``smtp-source -s N -m M -l 10240`` opens N sessions in parallel, one message
per connection (its default, like MX traffic), 10 KiB each. A run's rate is
M / (time from launch until the Maildir holds all M): Postfix's queue then
``virtual`` delivery is measured whole, the same as pmemail's direct delivery.
"""

from __future__ import annotations

import subprocess
import time
from functools import partial

from bench.method import BenchFailure, Measure, alternate, report
from bench.shipped_server import USER
from bench.smtp.postfix import SMTP_SOURCE
from bench.smtp.sides import Target, client_check

SIZE = 10240
SENDER = "sender@source.example"
# session count -> (goal for the median ratio pmemail/Postfix, messages per round)
CASES = {20: (1.0, 1500), 1: (0.8, 250), 50: (1.0, 2000)}


def _source(port: int, sessions: int, messages: int) -> subprocess.Popen[bytes]:
    cmd = [SMTP_SOURCE, "-s", str(sessions), "-m", str(messages), "-l", str(SIZE)]
    cmd += ["-f", SENDER, "-t", USER, f"127.0.0.1:{port}"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_source(target: Target, sessions: int, messages: int, clients: int = 1) -> Measure:
    """``messages`` over ``sessions`` split across ``clients`` smtp-source processes.

    Raises:
        BenchFailure: a client failed or printed errors, or the Maildir count is off.
    """
    target.clear()
    share = [messages // clients + (i < messages % clients) for i in range(clients)]
    start = time.monotonic()
    procs = [_source(target.port, max(1, sessions // clients), m) for m in share]
    errors: list[str] = []

    def why() -> str:
        return "\n".join(errors) or "smtp-source reported no error"

    for proc in procs:
        _, err = proc.communicate()
        text = err.decode(errors="replace").strip()
        if proc.returncode or text:
            errors.append(f"smtp-source exit {proc.returncode}: {text[-2000:]}")
    if errors:
        raise BenchFailure(f"{target.name}: {why()}\n{target.log_tail()}")
    elapsed = target.wait_delivered(messages, start, why)
    target.clear()
    return Measure(messages / elapsed, f"{messages} in {elapsed:.2f} s")


def section(pm: Target, pf: Target, rounds: int, scale: float) -> None:
    """The three session counts (goals per issue 11), then the load-generator check."""
    for sessions, (goal, messages) in CASES.items():
        count = max(sessions, int(messages * scale))
        print(f"\n-- plain SMTP, {sessions} session(s), {count} x {SIZE} B per round", flush=True)
        result = alternate(
            {
                "pmemail": partial(run_source, pm, sessions, count),
                "postfix": partial(run_source, pf, sessions, count),
            },
            rounds,
        )
        report(f"SMTP plain, {sessions} session(s)", result, "messages/s", goal)
    load_generator_check(pf, rounds, scale)


def load_generator_check(pf: Target, rounds: int, scale: float) -> None:
    """Postfix at 20 sessions from one smtp-source (N=1), then from two of 10 sessions each."""
    count = max(20, int(CASES[20][1] * scale))
    print(f"\n-- load generator check: Postfix, 20 sessions, {count} messages", flush=True)
    client_check(
        "plain, 20 sessions, N = 1 smtp-source",
        partial(run_source, pf, 20, count, 1),
        partial(run_source, pf, 20, count, 2),
        rounds,
    )
