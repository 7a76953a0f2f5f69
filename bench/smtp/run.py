"""SMTP benchmark: ``pmemail serve`` as shipped against a private Postfix.

Usage (root, from the project root)::

    bash dev.sh bench smtp [--quick] [--only plain|submission|memory] [--rounds 5]

* plain: Postfix's ``smtp-source`` at 1, 20 and 50 sessions on the port-25
  service of each; goals (median ratio pmemail/Postfix) 0.8, 1.0, 1.0; then
  Postfix at 20 sessions from one and from two smtp-source processes, to show
  the load generator does not set the pace;
* submission: STARTTLS + AUTH PLAIN from a Python load generator in several
  processes, connections reused and one per message, against Postfix's
  submission smtpd with Dovecot SASL; goal 0.8 for both modes;
* memory: PSS of ``pmemail serve`` idle and after a 2,000-message burst
  (goals: ≤ 60 MiB, back within 20 %), Postfix's beside it.

Method: ``bench/method.py`` (warm-up, alternating rounds, per-round ratio).
Both servers fsync a message before answering 250: checked with strace on
each fresh server before the plain runs. The clock stops when every message
is in the Maildir, counted exactly. Everything listens on 127.0.0.1 only;
everything lives in temporary directories under /var/tmp (the real disk:
fsync on tmpfs would be free), removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench import method  # noqa: E402  (needs ROOT on sys.path)
from bench.smtp import durability, memory, plain, submission  # noqa: E402
from bench.smtp.postfix import ensure_postfix  # noqa: E402
from bench.smtp.sides import pmemail_target, postfix_target  # noqa: E402

SECTIONS = ("memory", "plain", "submission")
QUICK_SCALE = 0.1  # --quick: a tenth of the messages per round


def run(section: str, rounds: int, scale: float, work: Path) -> None:
    """One section on a fresh pair of servers."""
    with (
        pmemail_target(work / section / "pmemail") as (pm, _),
        postfix_target(work / section / "postfix-tls") as pf,
    ):
        if section == "memory":
            burst = max(memory.SESSIONS, int(memory.BURST * scale))
            memory.section(pm, pf, burst, settle=2.0 if scale < 1 else 5.0)
        elif section == "plain":
            print("\n-- durability: fsync before 250, checked with strace", flush=True)
            for target in (pm, pf):
                print("  " + durability.probe(target), flush=True)
            plain.section(pm, pf, rounds, scale)
        else:
            submission.section(pm, pf, rounds, scale)


def main() -> int:
    """Parse the options, run the sections, print the tables."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="a tenth of the messages, for checking")
    ap.add_argument("--only", choices=SECTIONS, help="run one section")
    ap.add_argument("--rounds", type=int, default=method.MIN_ROUNDS, help="at least 5")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("run as root: the bench runs a private Postfix and Dovecot", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="pmemail-bench-smtp-", dir="/var/tmp"))
    try:
        ensure_postfix()
        for section in [args.only] if args.only else SECTIONS:
            run(section, args.rounds, QUICK_SCALE if args.quick else 1.0, work)
    except method.BenchFailure as failure:
        print(f"\nBENCH FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
