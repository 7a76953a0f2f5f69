"""Memory with many clients: 100 sessions waiting in IDLE while 10 clients work.

PSS summed over the server's process tree (Dovecot runs a process or two per
connection, pmemail one process): shared pages counted once. For each server:
PSS with no client, with the idle sessions, and the peak (sampled every 0.2 s)
while the active clients run the mix. The idle sessions must still answer
``DONE`` and ``LOGOUT`` at the end, and the INBOX must hold what it began with.
Each server runs ``rounds`` times, the order alternated; pmemail's median peak
is printed beside its own goal (≤ 60 MiB with 10 active clients).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

from bench.imap.client import ImapConn
from bench.imap.mix import Load, Result, run_load
from bench.imap.servers import Side, count_messages
from bench.method import BenchFailure, MiB, goal_line, pss_tree, spread
from bench.shipped_server import PASSWORD, USER


@dataclass(frozen=True)
class Footprint:
    """PSS of one server at three moments, bytes."""

    empty: int
    idle: int
    peak: int


def _open_idle(side: Side, tls: bool, count: int) -> list[tuple[ImapConn, bytes]]:
    sessions = []
    for _ in range(count):
        conn = ImapConn.connect(side.port, tls)
        conn.login(USER, PASSWORD)
        conn.select()
        sessions.append((conn, conn.start_idle()))
    return sessions


def footprint(
    side: Side, tls: bool, base: int, idle: int, active: int, sessions_each: int
) -> Footprint:
    """Start ``side`` fresh, measure, check the work, stop it."""
    side.start()
    try:
        empty = pss_tree(side.pid)
        idlers = _open_idle(side, tls, idle)
        time.sleep(1)  # let the servers settle after the logins
        at_idle = pss_tree(side.pid)
        outcome: list[Result | BaseException] = []

        def work() -> None:
            try:
                outcome.append(
                    run_load(Load(side.port, tls, base), active * sessions_each, active, 1)
                )
            except BaseException as err:  # reported in the main thread
                outcome.append(err)

        worker = threading.Thread(target=work)
        worker.start()
        peak = at_idle
        while worker.is_alive():
            peak = max(peak, pss_tree(side.pid))
            time.sleep(0.2)
        worker.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        for conn, tag in idlers:
            conn.end_idle(tag)
            conn.logout()
        if (stored := count_messages(side.maildir)) != base:
            raise BenchFailure(f"{side.name}: {stored} messages stored after the run, not {base}")
    finally:
        side.stop()
    return Footprint(empty, at_idle, peak)


GOAL_PEAK_MIB = 60.0  # pmemail's own goal with 10 active clients (issue 15)


def run_memory(
    sides: list[Side],
    tls: bool,
    base: int,
    idle: int,
    active: int,
    sessions_each: int,
    rounds: int = 5,
) -> None:
    """``rounds`` runs of each server, the order alternated; min / median / max of each
    moment, of the per-round ratio of the peaks, and pmemail's peak against its goal."""
    found: dict[str, list[Footprint]] = {s.name: [] for s in sides}
    for round_ in range(rounds):
        for side in sides if round_ % 2 == 0 else sides[::-1]:
            found[side.name].append(footprint(side, tls, base, idle, active, sessions_each))
    print(f"== memory: {idle} sessions in IDLE, then {active} clients running the mix")
    print(f"  {rounds} rounds, order alternated; MiB, min / median / max")
    for name, runs in found.items():
        for label, values in (
            ("PSS empty", [f.empty for f in runs]),
            ("+ idle", [f.idle for f in runs]),
            ("peak active", [f.peak for f in runs]),
        ):
            print(f"  {name:<10} {label:<12} {spread([v / MiB for v in values])}")
    a, b = (s.name for s in sides)
    ratios = [x.peak / y.peak for x, y in zip(found[a], found[b], strict=True)]
    print(f"  peak PSS {a}/{b} per round: {' '.join(f'{r:.2f}' for r in ratios)}")
    print("  " + goal_line(f"peak PSS {a}/{b}", statistics.median(ratios), 1.0, False))
    peak = statistics.median(f.peak for f in found[a]) / MiB
    line = goal_line(f"{a} peak PSS MiB", peak, GOAL_PEAK_MIB, higher_is_better=False)
    print(f"  {line} (the goal is for 10 active clients; here {active})")
