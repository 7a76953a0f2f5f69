"""IMAP benchmark: ``pmemail serve`` as shipped against a private Dovecot on loopback.

Three parts (``--only`` picks one):

* ``mix``: a fixed number of mail-client sessions (the sequence is printed:
  login, select, flags, a page of headers, bodies, a flag, append, idle,
  expunge, logout), the same for both servers, from client processes that
  each keep a few connections busy; commands/s, rounds alternated with
  ``bench/method.py`` (warm-up, per-round ratio, goal ≥ 1.0 × Dovecot). Each
  round starts each server on a fresh copy of the same INBOX and checks after
  it: every command answered OK, the message count, UIDNEXT, the files on disk.
  Dovecot is also run with twice the client processes: if its rate does not
  rise, the load generator was not what set the pace.
* ``bigbox``: the 50,000-message INBOX (``bench/imap/bigbox.py``).
* ``memory``: PSS with 100 sessions in IDLE and 10 active clients (``memory.py``);
  then 500 idle IDLE sessions: the server's CPU over a 30 s quiet window, its
  PSS, and the time from a delivery to the IDLE client's EXISTS, in alternating
  rounds (``idle.py``; ``--only idle`` runs that alone).

By default every client session begins with STARTTLS (the shipped config
refuses passwords in clear); ``--plain`` measures both without TLS.
Needs root (Dovecot switches to ``nobody``) and Debian's dovecot-imapd.

Usage: python bench/imap/run.py [--quick] [--only mix|bigbox|memory|idle] [--plain]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.imap import bigbox, idle, memory  # noqa: E402
from bench.imap.client import ImapConn  # noqa: E402
from bench.imap.idle import IdleSizes  # noqa: E402
from bench.imap.mix import Load, commands_per_session, describe, run_load  # noqa: E402
from bench.imap.servers import (  # noqa: E402
    DovecotSide,
    PmemailSide,
    Side,
    count_messages,
    dovecot_password_hash,
    password_costs,
)
from bench.method import BenchFailure, Measure, alternate, report  # noqa: E402
from bench.shipped_server import PASSWORD, USER  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
GENERATOR_MARGIN = 1.1  # twice the client processes may add this much before it counts


@dataclass(frozen=True)
class Sizes:
    """How much work each part does."""

    messages: int = 200  # the mix's INBOX
    sessions: int = 200  # per run of the mix
    processes: int = 4  # client processes (the check doubles them)
    connections: int = 3  # concurrent sessions per client process
    rounds: int = 5
    bigbox: int = 50_000
    idle: int = 100
    active: int = 10
    sessions_each: int = 5  # per active client in the memory test
    idle_many: IdleSizes = field(
        default_factory=lambda: IdleSizes(count=500, quiet=30.0, samples=10, rounds=5)
    )


QUICK = Sizes(
    sessions=60,
    processes=2,
    bigbox=5_000,
    idle=20,
    active=4,
    sessions_each=3,
    idle_many=IdleSizes(count=50, quiet=5.0, samples=4, rounds=5, warmup=False),
)


def fill_from_corpus(maildir: Path, count: int) -> None:
    """``count`` messages cycled from the test corpus into ``maildir/cur``, half seen."""
    corpus = sorted(CORPUS.glob("*.eml"))
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = f"{1_600_000_000 + i}.B{i}.bench:2,{'S' if i % 2 else ''}"
        shutil.copyfile(corpus[i % len(corpus)], maildir / "cur" / name)


def mailbox_state(side: Side, tls: bool) -> tuple[int, int]:
    """(messages, UIDNEXT) as a new session sees them."""
    conn = ImapConn.connect(side.port, tls)
    conn.login(USER, PASSWORD)
    uidnext = conn.select()
    conn.logout()
    return conn.exists, uidnext


def mix_run(side: Side, tls: bool, sizes: Sizes, processes: int) -> Measure:
    """One run of the mix on a fresh copy of the INBOX, verified."""
    side.start()
    try:
        # the first SELECT builds the index: not part of the measured work
        exists, uidnext = mailbox_state(side, tls)
        if exists != sizes.messages:
            raise BenchFailure(f"{side.name}: {exists} messages at start, not {sizes.messages}")
        load = Load(side.port, tls, sizes.messages)
        try:
            result = run_load(load, sizes.sessions, processes, sizes.connections)
        except BenchFailure as failure:
            raise BenchFailure(f"{side.name}: {failure}") from None
        after = mailbox_state(side, tls)
        expected = (sizes.messages, uidnext + sizes.sessions)
        if after != expected:
            raise BenchFailure(f"{side.name}: (messages, UIDNEXT) {after} after, not {expected}")
        if (stored := count_messages(side.maildir)) != sizes.messages:
            raise BenchFailure(f"{side.name}: {stored} message files after, not {sizes.messages}")
    finally:
        side.stop()
    note = (
        f"cmd/s  {result.sessions / result.seconds:6.1f} sessions/s, {result.commands} commands "
        f"in {result.seconds:.1f} s; checked: {exists} messages, UIDNEXT +{result.sessions}"
    )
    return Measure(result.rate, note)


def part_mix(sides: list[Side], tls: bool, sizes: Sizes) -> None:
    """Alternating rounds of the mix, then the generator check on Dovecot."""
    workers = sizes.processes * sizes.connections
    print(f"== mix: {sizes.sessions} sessions per run on a {sizes.messages}-message INBOX, ")
    print(f"   {sizes.processes} client processes × {sizes.connections} connections = {workers}")
    print("   " + describe(tls))
    result = alternate(
        {s.name: partial(mix_run, s, tls, sizes, sizes.processes) for s in sides}, sizes.rounds
    )
    report("IMAP mix, commands/s", result, "cmd/s", 1.0)
    peer = sides[1]
    print(f"== load generator check: {peer.name} with N and 2N client processes")
    rates = []
    for processes in (sizes.processes, 2 * sizes.processes):
        rates.append(mix_run(peer, tls, sizes, processes).rate)
        print(f"  {processes} processes × {sizes.connections}: {rates[-1]:8.1f} cmd/s")
    gain = rates[1] / rates[0]
    verdict = (
        "did not rise: the generator did not set the pace"
        if gain < GENERATOR_MARGIN
        else "ROSE: the generator may have set the pace"
    )
    print(f"  2N / N = {gain:.2f}: {peer.name}'s rate {verdict}")


def main() -> int:
    """Parse the options, build the INBOXes, run the parts asked for."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts (checks the bench works)")
    ap.add_argument("--only", choices=("mix", "bigbox", "memory", "idle"))
    ap.add_argument("--plain", action="store_true", help="no TLS (LOGIN in clear on loopback)")
    args = ap.parse_args()
    sizes = QUICK if args.quick else Sizes()
    tls = not args.plain
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")
    password_hash = dovecot_password_hash()
    print(password_costs(password_hash))
    print(f"{commands_per_session(tls)} commands per session, {'STARTTLS' if tls else 'no TLS'}")
    # Dovecot's unprivileged processes need +x on every parent directory
    work = Path(tempfile.mkdtemp(prefix="pmemail-imap-bench-"))
    try:
        os.chmod(work, 0o755)
        small, big = work / "inbox", work / "bigbox"
        fill_from_corpus(small, sizes.messages)
        pm = PmemailSide(work / "pm", small, tls)
        pm.start()  # once, so that its certificate exists for Dovecot to serve too
        certificate = pm.certificate()
        pm.stop()
        dv = DovecotSide(small, certificate if tls else None, password_hash)
        sides: list[Side] = [pm, dv]
        if args.only in (None, "mix"):
            part_mix(sides, tls, sizes)
        if args.only in (None, "bigbox"):
            bigbox.fill(big, sizes.bigbox)
            pm.template = dv.template = big
            bigbox.run_bigbox(sides, tls, sizes.bigbox, sizes.rounds)
            pm.template = dv.template = small
        if args.only in (None, "memory"):
            memory.run_memory(
                sides,
                tls,
                sizes.messages,
                sizes.idle,
                sizes.active,
                sizes.sessions_each,
                sizes.rounds,
            )
        if args.only in (None, "memory", "idle"):
            idle.run_idle(sides, tls, sizes.messages, sizes.idle_many)
    except BenchFailure as failure:
        print(f"BENCH FAILED: {failure}", flush=True)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
