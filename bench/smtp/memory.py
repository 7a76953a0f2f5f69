"""Memory: ``pmemail serve`` idle, then after a burst of messages, beside Postfix.

Proportional set size over each server's process tree (shared pages counted
once), measured on fresh servers: idle once started, then again after a
2,000-message burst on the plain port (20 sessions) has been delivered and
the servers have had a few seconds to settle. Postfix's figure is its master
tree (smtpd, cleanup, virtual ... linger idle after a burst, as shipped) plus
the Dovecot that authenticates for it. Big messages are another bench's job.
"""

from __future__ import annotations

import time

from bench.method import MiB, goal_line, peak_rss, pss_tree
from bench.smtp.plain import run_source
from bench.smtp.sides import Target

IDLE_GOAL_MIB = 60.0
AFTER_BURST_GOAL = 1.2  # after the burst / idle
BURST, SESSIONS = 2000, 20


def _pss(target: Target) -> list[float]:
    return [pss_tree(pid) / MiB for pid in target.pids()]


def _show(when: str, pm: list[float], pf: list[float]) -> None:
    parts = " + ".join(f"{x:.1f}" for x in pf)
    print(
        f"  {when:<22} pmemail {pm[0]:6.1f} MiB   postfix {sum(pf):6.1f} MiB "
        f"(master tree + dovecot auth: {parts})",
        flush=True,
    )


def section(pm: Target, pf: Target, burst: int = BURST, settle: float = 5.0) -> None:
    """Print PSS idle and after ``burst`` messages, with the goals."""
    print(f"\n-- memory (PSS over the process tree), burst of {burst} x 10 KiB", flush=True)
    time.sleep(settle)
    idle_pm, idle_pf = _pss(pm), _pss(pf)
    _show("idle", idle_pm, idle_pf)
    for target in (pm, pf):
        measure = run_source(target, SESSIONS, burst)
        print(f"  burst {target.name}: {measure.rate:.1f} messages/s ({measure.note})")
    time.sleep(settle)
    after_pm, after_pf = _pss(pm), _pss(pf)
    _show(f"after {burst} messages", after_pm, after_pf)
    peak = peak_rss(pm.pids()[0]) / MiB
    print(f"  pmemail serve peak RSS (VmHWM) since start: {peak:.1f} MiB")
    print("== memory")
    print("  " + goal_line("pmemail idle PSS, MiB", idle_pm[0], IDLE_GOAL_MIB, False))
    growth = after_pm[0] / idle_pm[0]
    print("  " + goal_line("pmemail PSS after burst / idle", growth, AFTER_BURST_GOAL, False))
    print(f"  postfix idle {sum(idle_pf):.1f} MiB, after burst {sum(after_pf):.1f} MiB", flush=True)
