"""Memory with many clients: 100 sessions waiting in IDLE while 10 clients work.

PSS summed over the server's process tree (Dovecot runs a process or two per
connection, pmemail one process): shared pages counted once. For each server:
PSS with no client, with the idle sessions, and the peak (sampled every 0.2 s)
while the active clients run the mix. The idle sessions must still answer
``DONE`` and ``LOGOUT`` at the end, and the INBOX must hold what it began with.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from bench.imap.client import ImapConn
from bench.imap.mix import Load, Result, run_load
from bench.imap.servers import Side, count_messages
from bench.method import BenchFailure, MiB, pss_tree
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


def run_memory(
    sides: list[Side], tls: bool, base: int, idle: int, active: int, sessions_each: int
) -> None:
    """Both servers, one after the other; the table and the goal (pmemail ≤ Dovecot)."""
    found = {}
    for side in sides:
        found[side.name] = footprint(side, tls, base, idle, active, sessions_each)
    print(f"== memory: {idle} sessions in IDLE, then {active} clients running the mix")
    print(f"  {'server':<10} {'PSS empty':>10} {'+ idle':>10} {'peak active':>12}  (MiB)")
    for name, f in found.items():
        print(f"  {name:<10} {f.empty / MiB:10.1f} {f.idle / MiB:10.1f} {f.peak / MiB:12.1f}")
    a, b = (s.name for s in sides)
    ratio = found[a].peak / found[b].peak
    verdict = "met" if ratio <= 1.0 else "NOT met"
    print(f"  peak PSS {a}/{b}: {ratio:.2f} (one run each), goal ≤ 1: {verdict}")
