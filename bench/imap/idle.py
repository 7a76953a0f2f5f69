"""Many idle IDLE clients: the server's CPU and PSS while nothing happens, and how
fast new mail reaches an IDLE client.

For each run a server is started fresh, ``count`` sessions (STARTTLS, LOGIN,
SELECT INBOX, IDLE) are opened, the server is left alone for 2 s, then:

* ``cpu``: the CPU the server's process tree used over a quiet window of
  ``quiet`` seconds (utime + stime of every process of the tree, from
  ``/proc/<pid>/stat``), as a percentage of one CPU; also over a shorter
  window before any client connected (what the other services cost);
* ``pss``: PSS summed over the tree with the sessions in IDLE;
* ``latency``: from the moment a message is stored by another writer to the
  ``* N EXISTS`` read by one of the IDLE clients; two writers take turns: an
  APPEND from another IMAP session, and a file written in ``tmp/`` then renamed
  into ``new/`` (the last step of the SMTP delivery, and of any Maildir MDA).

The work is checked: every EXISTS arrives with the expected count, each idle
session answers ``DONE`` and ``LOGOUT``, the INBOX holds what was stored.
Rounds alternate the servers (``bench/method.py``).
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.imap.client import ImapConn
from bench.imap.servers import Side, count_messages
from bench.method import BenchFailure, Measure, MiB, alternate, goal_line, process_tree, pss_tree
from bench.method import spread as spread_of
from bench.shipped_server import PASSWORD, USER

GOAL_COUNT = 500  # the goals below are for this many sessions in IDLE (issue 15)
CPU_GOAL = 1.0  # % of one CPU with the sessions idle
PSS_GOAL = 120.0  # MiB
LATENCY_GOAL = 0.2  # s from storing to the IDLE client's EXISTS
SETTLE = 2.0  # seconds after the last login before the quiet window
OPENERS = 8  # threads opening sessions (the password checks are what take time)
MESSAGE = (
    b"From: bench <bench@example.be>\r\nTo: bench@example.be\r\n"
    b"Subject: idle latency\r\nMessage-ID: <%d.idle@bench>\r\n\r\nA new message.\r\n"
)
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class IdleSizes:
    """How much work one run does."""

    count: int  # sessions in IDLE
    quiet: float  # seconds of the measured quiet window
    samples: int  # latency samples per run, both writers in turn
    rounds: int
    warmup: bool = True


@dataclass
class Found:
    """One side's numbers, run after run."""

    cpu: list[float] = field(default_factory=list)
    cpu_empty: list[float] = field(default_factory=list)
    pss: list[float] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=dict)


def raise_file_limit(needed: int) -> None:
    """Raise this process's open-file limit (inherited by a server it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:  # root may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return
        except (ValueError, OSError) as exc:
            raise BenchFailure(f"open-file limit {hard} < {needed} needed: {exc}") from None
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def _ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def cpu_percent(pid: int, seconds: float) -> float:
    """CPU of ``pid``'s tree over ``seconds`` of wall time, % of one CPU.

    Processes in the tree at both ends are counted (one that started or ended
    inside the window would be work, not idling, and shows in the check)."""
    before = {}
    for process in process_tree(pid):
        try:
            before[process.pid] = _ticks(process.pid)
        except OSError:
            continue
    start = time.monotonic()
    time.sleep(seconds)
    used = 0
    for child, ticks in before.items():
        try:
            used += _ticks(child) - ticks
        except OSError:
            continue
    return 100.0 * used / _TICK / (time.monotonic() - start)


def _open_idle(side: Side, tls: bool, count: int) -> list[tuple[ImapConn, bytes]]:
    def one(_: int) -> tuple[ImapConn, bytes]:
        conn = ImapConn.connect(side.port, tls)
        conn.login(USER, PASSWORD)
        conn.select()
        return conn, conn.start_idle()

    with ThreadPoolExecutor(OPENERS) as pool:
        return list(pool.map(one, range(count)))


def _drop(maildir: Path, n: int) -> None:
    """A message written in tmp/ and renamed into new/, as a Maildir delivery does."""
    name = f"{time.time():.0f}.M{n}P{os.getpid()}.bench"
    tmp = maildir / "tmp" / name
    with open(tmp, "wb") as out:
        out.write(MESSAGE % n)
    os.rename(tmp, maildir / "new" / name)


def _latencies(side: Side, tls: bool, watcher: ImapConn, samples: int, found: Found) -> list[str]:
    """Store ``samples`` messages, the writers in turn; the names of the writers used."""
    writer = ImapConn.connect(side.port, tls)
    writer.login(USER, PASSWORD)
    expected = watcher.exists
    writers = ["APPEND", "new/ rename"]
    for n in range(samples):
        kind = writers[n % 2]
        start = time.perf_counter()
        if kind == "APPEND":
            writer.append(MESSAGE % n)
        else:
            _drop(side.maildir, n)
        seen = watcher.wait_exists()
        found.latency.setdefault(kind, []).append(time.perf_counter() - start)
        expected += 1
        if seen != expected:
            raise BenchFailure(f"{side.name}: EXISTS {seen} after a delivery, not {expected}")
    writer.logout()
    return writers


def idle_run(side: Side, tls: bool, base: int, sizes: IdleSizes, found: Found) -> Measure:
    """One run on a fresh server: CPU, PSS and latency with ``sizes.count`` idle sessions."""
    side.start()
    try:
        empty = cpu_percent(side.pid, sizes.quiet / 3)
        sessions = _open_idle(side, tls, sizes.count)
        time.sleep(SETTLE)
        cpu = cpu_percent(side.pid, sizes.quiet)
        pss = pss_tree(side.pid) / MiB
        _latencies(side, tls, sessions[0][0], sizes.samples, found)
        for conn, tag in sessions:
            conn.end_idle(tag)
            conn.logout()
        stored = count_messages(side.maildir)
        if stored != base + sizes.samples:
            raise BenchFailure(f"{side.name}: {stored} messages after, not {base + sizes.samples}")
    finally:
        side.stop()
    found.cpu.append(cpu)
    found.cpu_empty.append(empty)
    found.pss.append(pss)
    note = f"% CPU idle ({empty:.2f} % before any client), PSS {pss:.1f} MiB"
    return Measure(cpu, note)


def run_idle(sides: list[Side], tls: bool, base: int, sizes: IdleSizes) -> None:
    """Alternating rounds on both servers; medians with pmemail's goals beside them."""
    raise_file_limit(4 * sizes.count + 256)
    print(
        f"== idle: {sizes.count} sessions in IDLE on INBOX, a {sizes.quiet:g} s quiet window, "
        f"then {sizes.samples} deliveries per run (APPEND from another session and a "
        "tmp/ → new/ rename in turn), each timed to the EXISTS seen by an IDLE client",
        flush=True,
    )
    found = {side.name: Found() for side in sides}
    runs: dict[str, Callable[[], Measure]] = {
        s.name: partial(idle_run, s, tls, base, sizes, found[s.name]) for s in sides
    }
    warm = Found()
    if sizes.warmup:  # not counted (alternate's own warm-up would land in ``found``)
        for side in sides:
            measure = idle_run(side, tls, base, sizes, warm)
            print(f"  warm-up: {side.name:<10} {measure.rate:.2f} {measure.note}", flush=True)
    rounds = alternate(runs, sizes.rounds, warmup=False)
    print(f"  load average at each round: {' '.join(f'{x:.2f}' for x in rounds.loads)}")
    first = sides[0].name
    for name, f in found.items():
        print(f"  {name:<10} CPU % idle:  min / median / max = {spread_of(f.cpu)}")
        print(f"  {name:<10} CPU % empty: min / median / max = {spread_of(f.cpu_empty)}")
        print(f"  {name:<10} PSS MiB:     min / median / max = {spread_of(f.pss)}")
        for kind, values in f.latency.items():
            ms = [v * 1000 for v in values]
            what = f"latency ms, {kind} ({len(ms)})"
            print(f"  {name:<10} {what}: min / median / max = {spread_of(ms)}")
    mine = found[first]
    every = [v for values in mine.latency.values() for v in values]
    idle = f"{sizes.count} in IDLE" + (
        "" if sizes.count == GOAL_COUNT else f", goals set for {GOAL_COUNT}"
    )
    cpu, pss = statistics.median(mine.cpu), statistics.median(mine.pss)
    print("  " + goal_line(f"{first} CPU % ({idle})", cpu, CPU_GOAL, False))
    print("  " + goal_line(f"{first} PSS MiB ({idle})", pss, PSS_GOAL, False))
    print("  " + goal_line(f"{first} latency s", statistics.median(every), LATENCY_GOAL, False))
    print(f"  {first} latency, worst sample: {max(every):.3f} s", flush=True)
