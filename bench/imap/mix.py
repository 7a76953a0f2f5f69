"""The load generator: a fixed number of mail-client sessions over several processes.

Every session runs the same sequence (:data:`MIX`), the same for both servers;
each command's answer is checked (status ``OK`` and the content the command
must return), and every failure is kept with its cause. The work is fixed (a
number of sessions, not a time window), so it can be verified afterwards: each
session appends one message and expunges it, so the INBOX ends with the
messages it began with and UIDNEXT advanced by exactly the number of sessions.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from bench.imap.client import HEADER_FIELDS, CommandFailed, ImapConn
from bench.method import BenchFailure
from bench.shipped_server import PASSWORD, USER

PAGE = 25  # a message list's page of headers
BODIES = 3  # messages opened per session
MIX = (
    ("LOGIN", 1),
    ("SELECT INBOX", 1),
    ("FETCH 1:* (UID FLAGS)", 1),
    (f"UID FETCH <page of {PAGE}> ({HEADER_FIELDS})", 1),
    ("UID FETCH <uid> (RFC822.SIZE BODY.PEEK[])", BODIES),
    ("UID STORE <uid> +FLAGS (\\Seen)", 1),
    ("APPEND INBOX (\\Seen) <2 KB message>", 1),
    ("IDLE, then DONE at the server's '+'", 1),
    ("UID STORE <appended> +FLAGS.SILENT (\\Deleted)", 1),
    ("UID EXPUNGE <appended>", 1),
    ("LOGOUT", 1),
)
_FETCH_UID = re.compile(rb"^\* (\d+) FETCH \([^\r\n]*?UID (\d+)", re.MULTILINE)


def commands_per_session(tls: bool) -> int:
    """Tagged commands in one session (STARTTLS counted when used)."""
    return sum(count for _, count in MIX) + (1 if tls else 0)


def describe(tls: bool) -> str:
    """The mix, printed with the results so both servers' work is explicit."""
    steps = [f"{what} ×{count}" if count > 1 else what for what, count in MIX]
    first = ["connect", "STARTTLS"] if tls else ["connect"]
    return (
        "mix, every session in this order: "
        + " → ".join(first + steps)
        + f" ({commands_per_session(tls)} commands)"
    )


def _message(tag: str) -> bytes:
    head = (
        f"From: Bench <{USER}>\r\nTo: {USER}\r\nSubject: bench {tag}\r\n"
        f"Date: Mon, 1 Jan 2024 10:00:00 +0100\r\nMessage-ID: <{tag}@bench.example.be>\r\n\r\n"
    )
    return head.encode() + b"a line of a benchmark message body, 50 bytes long\r\n" * 40


@dataclass(frozen=True)
class Load:
    """Where the load goes and what the INBOX holds before it."""

    port: int
    tls: bool
    base: int  # messages in the INBOX before the run: none of them is ever expunged


def session(load: Load, rnd: random.Random, tag: str) -> int:
    """One client session (:data:`MIX`); the number of commands answered OK."""
    try:
        conn = ImapConn.connect(load.port, load.tls)
    except (OSError, ssl.SSLError) as err:
        raise CommandFailed(f"connect/STARTTLS: {type(err).__name__}: {err}") from None
    try:
        conn.login(USER, PASSWORD)
        conn.select()
        listing = conn.command("FETCH 1:* (UID FLAGS)")
        # Unsolicited FETCHes (other sessions' flags) may repeat a number: keyed by it.
        # Other sessions' appended messages come and go (a server may leave out one
        # expunged meanwhile, RFC 2180 4.1), the original messages must all be there.
        uids = {int(seq): int(uid) for seq, uid in _FETCH_UID.findall(listing)}
        if any(seq not in uids for seq in range(1, load.base + 1)):
            raise CommandFailed(f"FETCH 1:* (UID FLAGS): {len(uids)} messages of {conn.exists}")
        originals = [uids[seq] for seq in range(1, load.base + 1)]
        first = rnd.randrange(0, load.base - PAGE + 1)
        page = originals[first : first + PAGE]
        answer = conn.command(f"UID FETCH {page[0]}:{page[-1]} ({HEADER_FIELDS})")
        if answer.count(b"BODY[HEADER.FIELDS") != PAGE:
            raise CommandFailed(f"UID FETCH headers: not {PAGE} messages")
        for uid in rnd.sample(originals, BODIES):
            answer = conn.command(f"UID FETCH {uid} (RFC822.SIZE BODY.PEEK[])")
            size = re.search(rb"RFC822\.SIZE (\d+)", answer)
            body = re.search(rb"BODY\[\] \{(\d+)\}", answer)
            if size is None or body is None or size.group(1) != body.group(1):
                raise CommandFailed(f"UID FETCH {uid} BODY[]: size and body differ")
        # no check of the answer's FLAGS: a server may stay silent when the flag was set
        conn.command(f"UID STORE {rnd.choice(originals)} +FLAGS (\\Seen)")
        appended = conn.append(_message(tag), "\\Seen")
        conn.idle()
        conn.command(f"UID STORE {appended} +FLAGS.SILENT (\\Deleted)")
        if b" EXPUNGE\r\n" not in conn.command(f"UID EXPUNGE {appended}"):
            raise CommandFailed(f"UID EXPUNGE {appended}: nothing expunged")
        conn.logout()
        return conn.commands
    except (OSError, ssl.SSLError) as err:
        raise CommandFailed(
            f"after {conn.commands} commands: {type(err).__name__}: {err}"
        ) from None
    finally:
        conn.close()


@dataclass
class Tally:
    """What one process did."""

    sessions: int = 0
    commands: int = 0
    failures: list[str] = field(default_factory=list)


def _worker(
    load: Load, quotas: list[int], seed: int, ready: Queue[int], go: Event, out: Queue[Tally]
) -> None:
    """One client process: ``len(quotas)`` connections at a time, each its quota of sessions."""
    tally = Tally()
    lock = threading.Lock()

    def connection(index: int, quota: int) -> None:
        rnd = random.Random(seed * 1000 + index)
        for number in range(quota):
            try:
                commands = session(load, rnd, f"s{seed}-{index}-{number}")
                with lock:
                    tally.sessions += 1
                    tally.commands += commands
            except (CommandFailed, KeyError, ValueError) as err:
                with lock:
                    tally.failures.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=connection, args=(i, q)) for i, q in enumerate(quotas) if q]
    ready.put(1)
    go.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(tally)


@dataclass(frozen=True)
class Result:
    """A finished run: the work done, its time, and the rate."""

    sessions: int
    commands: int
    seconds: float

    @property
    def rate(self) -> float:
        """Commands per second."""
        return self.commands / self.seconds


def run_load(load: Load, sessions: int, processes: int, connections: int) -> Result:
    """``sessions`` sessions over ``processes`` × ``connections``; BenchFailure on any failure.

    The clock starts when every process is ready and stops when the last one ends.
    """
    ctx = multiprocessing.get_context("fork")
    ready: Queue[int] = ctx.Queue()
    out: Queue[Tally] = ctx.Queue()
    go = ctx.Event()
    slots = processes * connections
    quotas = [sessions // slots + (1 if i < sessions % slots else 0) for i in range(slots)]
    procs = [
        ctx.Process(
            target=_worker,
            args=(load, quotas[p * connections : (p + 1) * connections], p, ready, go, out),
        )
        for p in range(processes)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=60)
    start = time.monotonic()
    go.set()
    tallies = [out.get(timeout=3600) for _ in procs]
    seconds = time.monotonic() - start
    for proc in procs:
        proc.join(30)
    failures = [f for t in tallies for f in t.failures]
    done = sum(t.sessions for t in tallies)
    if failures or done != sessions:
        shown = "\n    ".join(failures[:15])
        raise BenchFailure(
            f"{len(failures)} of {sessions} sessions failed ({done} completed):\n    {shown}"
        )
    commands = sum(t.commands for t in tallies)
    if commands != sessions * commands_per_session(load.tls):
        raise BenchFailure(f"{commands} commands answered, expected {sessions} sessions' worth")
    return Result(sessions, commands, seconds)
