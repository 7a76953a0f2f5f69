"""The 50,000-message INBOX: first SELECT after a restart, warm SELECT, FETCH 1:* (FLAGS).

Both servers serve a copy of one INBOX whose file names carry no ``,W=`` size
(as other MDAs write them, so an index must read the files). Each is opened
once to build its index (timed once, printed), then rounds alternate (method:
``bench/method.py``); a round of one side restarts it and times

* the first SELECT after the restart (the index read back from disk),
* SELECT by a second session (warm),
* ``FETCH 1:* (FLAGS)`` in that session, every message's answer counted,

and reads the server's PSS (process tree) after the FETCH, the session open, and just
after the restart (what the big INBOX adds is the difference). The round's rate is
1 / (sum of the three times); per operation the ratio is Dovecot's time over
pmemail's (≥ 1: pmemail as fast), per round. pmemail's own goals are printed too
(issue 15): first SELECT after a restart ≤ 0.7 s, the warm ``FETCH 1:* (FLAGS)``
≤ 50 ms, and at most 15 MiB of PSS added by a 50,000-message INBOX.
"""

from __future__ import annotations

import statistics
import time
from functools import partial
from pathlib import Path

from bench.imap.client import ImapConn
from bench.imap.servers import Side
from bench.method import BenchFailure, Measure, MiB, alternate, goal_line, pss_tree, report, spread
from bench.shipped_server import PASSWORD, USER

MESSAGE = (
    b"From: a@example.be\nTo: bench@example.be\nSubject: big box\n"
    b"Message-ID: <m@example.be>\n\n" + b"body line\n" * 20
)
OPS = ("first SELECT after restart", "warm SELECT", "FETCH 1:* (FLAGS)")
GOALS_MS = {OPS[0]: 700.0, OPS[2]: 50.0}  # pmemail's own, at 50,000 messages
GOAL_ADDED_MIB = 15.0


def fill(maildir: Path, count: int) -> None:
    """``count`` bare-LF messages in ``maildir/cur``, every other one seen."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        flags = "S" if i % 2 else ""
        (maildir / "cur" / f"{1_600_000_000 + i}.B{i}.bench:2,{flags}").write_bytes(MESSAGE)


def _select(side: Side, tls: bool, count: int, fetch: bool) -> tuple[float, float, int]:
    """A new session: seconds for SELECT and for FETCH 1:* (FLAGS) (0 when not asked),
    and the server's PSS after them, the session still open (Dovecot serves it from
    a process of its own that ends with the session)."""
    conn = ImapConn.connect(side.port, tls)
    conn.login(USER, PASSWORD)
    start = time.perf_counter()
    conn.select()
    selected = time.perf_counter()
    if conn.exists != count:
        raise BenchFailure(f"{side.name}: SELECT says {conn.exists} messages, not {count}")
    fetched = selected
    if fetch:
        answer = conn.command("FETCH 1:* (FLAGS)")
        fetched = time.perf_counter()
        if (got := answer.count(b" FETCH (")) != count:
            raise BenchFailure(f"{side.name}: FETCH 1:* (FLAGS) answered {got} of {count}")
    pss = pss_tree(side.pid)
    conn.logout()
    return selected - start, fetched - selected, pss


def run_bigbox(sides: list[Side], tls: bool, count: int, rounds: int) -> None:
    """Start both on the big INBOX, time the index build, then the alternating rounds."""
    times: dict[str, list[tuple[float, float, float]]] = {s.name: [] for s in sides}
    pss: dict[str, list[int]] = {s.name: [] for s in sides}
    added: dict[str, list[int]] = {s.name: [] for s in sides}

    def round_of(side: Side) -> Measure:
        side.restart()
        before = pss_tree(side.pid)
        first, _, _ = _select(side, tls, count, fetch=False)
        warm, fetch, footprint = _select(side, tls, count, fetch=True)
        times[side.name].append((first, warm, fetch))
        pss[side.name].append(footprint)
        added[side.name].append(footprint - before)
        ms = f"first {first * 1000:.1f} warm {warm * 1000:.1f} fetch {fetch * 1000:.1f}"
        note = f"1/s; ms: {ms}; PSS {footprint / MiB:.1f} MiB"
        return Measure(1 / (first + warm + fetch), note)

    print(f"== {count:,}-message INBOX, messages without a size in their name", flush=True)
    try:
        for side in sides:
            side.start()
            built, _, _ = _select(side, tls, count, fetch=False)
            print(f"  {side.name}: first SELECT ever (index built from the files) {built:.2f} s")
        result = alternate({s.name: partial(round_of, s) for s in sides}, rounds)
    finally:
        for side in sides:
            side.stop()
    for name in times:  # the warm-up round is not counted
        times[name] = times[name][1:]
        pss[name] = pss[name][1:]
        added[name] = added[name][1:]
    report(f"{count:,}-message INBOX, 1 / (sum of the three times)", result, "1/s", 1.0)
    a, b = result.names
    for index, op in enumerate(OPS):
        ours = [t[index] * 1000 for t in times[a]]
        theirs = [t[index] * 1000 for t in times[b]]
        ratios = [y / x for x, y in zip(ours, theirs, strict=True) if x > 0]
        print(f"  {op}: {a} ms = {spread(ours)}; {b} ms = {spread(theirs)}")
        print(
            "    " + goal_line(f"speed ratio ({b} time / {a} time)", statistics.median(ratios), 1)
        )
        if op in GOALS_MS:
            goal = GOALS_MS[op] * count / 50_000
            line = goal_line(f"{a} ms", statistics.median(ours), goal, higher_is_better=False)
            print(f"    {line} (at {count:,} messages)")
    for name, values in pss.items():
        median = statistics.median(values) / MiB
        grown = [v / MiB for v in added[name]]
        print(
            f"  PSS after FETCH, session open, {name}: median {median:.1f} MiB; "
            f"added by the INBOX (after - just restarted) MiB = {spread(grown)}"
        )
    ours_added = statistics.median(added[a]) / MiB
    print("  " + goal_line(f"{a}: PSS added by the INBOX, MiB", ours_added, GOAL_ADDED_MIB, False))
