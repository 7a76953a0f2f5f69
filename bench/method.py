"""How every pmemail benchmark measures: alternating rounds, per-round ratios, PSS.

One method for all benches, so their numbers mean the same thing:

* a warm-up run of each side, not counted;
* at least five rounds, the order alternated (A B, B A, ...) so that a machine
  that gets busier or quieter hurts both sides alike;
* the ratio pmemail / peer computed *per round* (never best against best);
* min / median / max of each side and of the ratio, the load average at each
  round, and the goal beside the median with "met" or "NOT met";
* memory as proportional set size summed over a process tree (shared pages
  counted once), peak resident size (VmHWM) where one process matters.

A side's run returns a :class:`Measure` after checking its own work (messages
counted, bytes compared); a run that did not do the work raises
:class:`BenchFailure` and the bench fails.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psutil

MIN_ROUNDS = 5
MiB = 2**20


class BenchFailure(Exception):
    """The work was not done (lost messages, wrong bytes, errors): no number is printed."""


@dataclass(frozen=True)
class Measure:
    """One run of one side: its rate and what it did, for the report."""

    rate: float  # higher is better (messages/s, commands/s ...)
    note: str = ""


@dataclass
class Rounds:
    """The rates of both sides, round by round, and the load average at each round."""

    names: tuple[str, str]
    rates: dict[str, list[float]] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Per-round ratio: first side / second side."""
        a, b = self.names
        return [x / y for x, y in zip(self.rates[a], self.rates[b], strict=True) if y > 0]


def alternate(
    sides: dict[str, Callable[[], Measure]], rounds: int = MIN_ROUNDS, warmup: bool = True
) -> Rounds:
    """Run two sides ``rounds`` times, alternating which goes first.

    Args:
        sides: exactly two named runs, pmemail first (the ratio is first / second).
        rounds: at least :data:`MIN_ROUNDS`.
        warmup: one uncounted run of each side first (caches, JIT-less warm paths).
    """
    if len(sides) != 2:
        raise ValueError("alternate() compares exactly two sides")
    rounds = max(rounds, MIN_ROUNDS)
    a, b = list(sides)
    result = Rounds((a, b), {a: [], b: []})
    if warmup:
        for name in (a, b):
            sides[name]()
    for index in range(rounds):
        order = (a, b) if index % 2 == 0 else (b, a)
        result.loads.append(os.getloadavg()[0])
        result.orders.append(" ".join(order))
        for name in order:
            measure = sides[name]()
            result.rates[name].append(measure.rate)
            row = f"  round {index + 1}: {name:<10} {measure.rate:10.1f} {measure.note}"
            print(row, flush=True)
    return result


def spread(values: Sequence[float]) -> str:
    """``min / median / max`` of ``values``, in one column."""
    if not values:
        return "n/a"
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def goal_line(what: str, median: float, goal: float, higher_is_better: bool = True) -> str:
    """The goal beside the median, met or not."""
    met = median >= goal if higher_is_better else median <= goal
    sign = "≥" if higher_is_better else "≤"
    return f"{what}: median {median:.2f}, goal {sign} {goal:g}: {'met' if met else 'NOT met'}"


def report(title: str, result: Rounds, unit: str, goal: float) -> str:
    """The table every bench prints for a side-by-side comparison."""
    a, b = result.names
    lines = [
        f"== {title}",
        f"  {a:<10} {unit}: min / median / max = {spread(result.rates[a])}",
        f"  {b:<10} {unit}: min / median / max = {spread(result.rates[b])}",
        f"  ratio {a}/{b} per round: {' '.join(f'{r:.2f}' for r in result.ratios)}",
        f"  ratio min / median / max = {spread(result.ratios)}",
        f"  load average at each round: {' '.join(f'{x:.2f}' for x in result.loads)}",
        "  " + goal_line(f"ratio {a}/{b}", statistics.median(result.ratios or [0.0]), goal),
    ]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (those still alive)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def pss_tree(pid: int) -> int:
    """Proportional set size in bytes, summed over ``pid`` and its descendants.

    PSS shares each page among the processes that map it, so a multi-process
    server (Dovecot, Postfix) is not counted once per process for its shared
    libraries, as a sum of RSS would.
    """
    total = 0
    for process in process_tree(pid):
        try:
            total += process.memory_full_info().pss
        except psutil.Error:
            continue  # ended while we looked
    return total


def peak_rss(pid: int) -> int:
    """VmHWM of one process: the most resident memory it ever had, in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise BenchFailure(f"no VmHWM for pid {pid}")


def wait_for(
    done: Callable[[], bool], what: str, timeout: float = 120.0, poll: float = 0.01
) -> None:
    """Wait until ``done()``; :class:`BenchFailure` naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise BenchFailure(f"{what}: not done after {timeout:g} s")
        time.sleep(poll)
