"""Big messages through ``pmemail serve`` as shipped: SMTP in, IMAP, POP3 and webmail out.

Usage (from the project root)::

    bash dev.sh bench bigmail [--attachment-mb 100]

A message carrying ``--attachment-mb`` MiB of random bytes (base64, in a
throw-away directory) is sent by SMTP to two users of a running ``pmemail
serve`` (:class:`~bench.shipped_server.ShippedServer`): the bench's IMAP user,
and a POP3 user (the POP3 service only lets users whose protocol is pop3 in).
Then it is read back by IMAP ``FETCH BODY[]``, by three IMAP clients fetching
it at once (each copy verified while it is read), by POP3 ``RETR`` and
through the webmail (message page, then the attachment streamed to disk).

What is compared: a copy read by IMAP or POP3 must be the server's trace
headers (``Return-Path:``, ``Received:``) followed by exactly the bytes sent
(SHA-256); the webmail download must be exactly the random bytes (SHA-256).
Any difference fails the bench.

Memory: the server's proportional set size summed over its process tree,
sampled every 50 ms during each step (its peak, and its value just before);
VmHWM is not used because it only grows over the server's life. Goal: the
server stays under 150 MB (bench/smtp and bench/webmail's target) at every
step, including three concurrent 100 MB fetches, and after those its PSS is
back within 10 MiB of where it was. The default ``mail.max_message_size``
(150 MiB) takes a message carrying 100 MiB in base64; for a larger one the
bench raises it to the message's size rounded up to a MiB, and says so.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.bigmail.message import BigMessage, write_message  # noqa: E402  (ROOT on sys.path)
from bench.bigmail.transfers import (  # noqa: E402
    SETTLE,
    Step,
    imap_fetch,
    imap_fetch_concurrent,
    pop3_retr,
    smtp_send,
    webmail_download,
)
from bench.method import BenchFailure, MiB, peak_rss, pss_tree  # noqa: E402
from bench.shipped_server import DOMAIN, PASSWORD, USER, ShippedServer  # noqa: E402
from mailcore.users import UserStore  # noqa: E402
from pmemail.config import Config  # noqa: E402

POP_USER, POP_PASSWORD = f"pop@{DOMAIN}", "bench-password-pop3"
SENDER = "sender@remote.example"
GOAL_MIB = 150.0
CONCURRENT_FETCHES = 3
AFTER_MARGIN_MIB = 10.0  # "back to idle": PSS after within this much of PSS before


def size_limit(message: BigMessage) -> int | None:
    """The ``mail.max_message_size`` needed, or None when the default takes the message."""
    default = Config().mail.max_message_size
    if message.size <= default:
        return None
    return -(-message.size // MiB) * MiB  # whole MiB, as an admin would write it


def count_messages(maildir: Path) -> int:
    """Messages delivered to a Maildir's INBOX (new and cur)."""
    return sum(len(os.listdir(maildir / sub)) for sub in ("new", "cur") if (maildir / sub).exists())


def send_one(port: int, message: BigMessage, to: str, pid: int) -> list[Step]:
    """The SMTP step, as :func:`run`'s ``fresh`` takes it."""
    return [smtp_send(port, pid, message, SENDER, to)]


def table(steps: list[Step], idle: int) -> str:
    """The result table, with the memory goal met or not at each step."""
    lines = [
        f"server PSS at rest after the first start: {idle / MiB:.1f} MiB; goal: peak PSS"
        f" < {GOAL_MIB:g} MiB at every step (MiB = 2**20 bytes)",
        "each step on a freshly started server; PSS sampled every 50 ms during the step,"
        " VmHWM read after it",
        f"PSS after: {SETTLE:g} s after the clients logged out; goal: back within"
        f" {AFTER_MARGIN_MIB:g} MiB of PSS before",
        f"{'step':<30} {'s':>6} {'MiB/s':>6} {'client CPU s':>12} {'PSS before':>10}"
        f" {'peak PSS':>9} {'PSS after':>9} {'VmHWM':>6} {'goal':>7}  verified",
    ]
    for s in steps:
        rate = f"{s.nbytes / MiB / s.seconds:6.1f}" if s.nbytes and s.seconds else f"{'-':>6}"
        hwm = f"{s.hwm / MiB:6.1f}" if s.hwm else f"{'-':>6}"
        after = f"{s.pss_after / MiB:9.1f}" if s.pss_after else f"{'-':>9}"
        met = "met" if s.pss_peak / MiB < GOAL_MIB else "NOT met"
        if s.pss_after and (s.pss_after - s.pss_before) / MiB > AFTER_MARGIN_MIB:
            met = "NOT met"
        lines.append(
            f"{s.name:<30} {s.seconds:6.2f} {rate} {s.client_cpu:12.2f} {s.pss_before / MiB:10.1f}"
            f" {s.pss_peak / MiB:9.1f} {after} {hwm} {met:>7}  {s.verified} ({s.samples} samples)"
        )
    return "\n".join(lines)


def run(root: Path, attachment_mib: int) -> list[Step]:
    """Write the message, start the server, do every transfer; the table's rows."""
    print(f"writing a message with a {attachment_mib} MiB attachment ...", flush=True)
    message = write_message(root / "big.eml", attachment_mib * MiB, SENDER, USER)
    limit = size_limit(message)
    overrides: dict[str, object] = {}
    default = Config().mail.max_message_size
    if limit is None:
        print(f"message {message.size} B: within the default max_message_size ({default} B)")
    else:
        overrides["mail__max_message_size"] = limit
        print(
            f"CONFIG CHANGED: the message is {message.size} B, over the default "
            f"mail.max_message_size = {default} B; set to {limit} B for this run"
        )
    server = ShippedServer(root / "server", **overrides)
    UserStore.from_config(server.config, server.paths).add_user(POP_USER, POP_PASSWORD, "pop3")
    pop_maildir = server.paths.maildirs / DOMAIN / POP_USER.split("@")[0]
    steps: list[Step] = []

    def fresh(transfer: Callable[[int], list[Step]]) -> None:
        # a new server process for each step: VmHWM only grows over a process's
        # life, and memory one step kept must not be counted against the next
        server.stop()
        server.start()
        done = transfer(server.pid)
        done[-1].hwm = peak_rss(server.pid)
        steps.extend(done)

    spool = root / "downloaded.bin"
    with server:
        idle = pss_tree(server.pid)
        for to, maildir in ((USER, server.maildir), (POP_USER, pop_maildir)):
            fresh(functools.partial(send_one, server.port("smtp"), message, to))
            if count_messages(maildir) != 1:
                raise BenchFailure(f"{to}: {count_messages(maildir)} messages in the Maildir")
        fresh(lambda pid: [imap_fetch(server.port("imap"), pid, USER, PASSWORD, message)])
        fresh(
            lambda pid: [
                imap_fetch_concurrent(
                    server.port("imap"), pid, USER, PASSWORD, message, CONCURRENT_FETCHES
                )
            ]
        )
        fresh(lambda pid: [pop3_retr(server.port("pop3"), pid, POP_USER, POP_PASSWORD, message)])
        fresh(
            lambda pid: webmail_download(server.port("https"), pid, USER, PASSWORD, message, spool)
        )
    print(table(steps, idle), flush=True)
    return steps


def main() -> int:
    """Run the bench in a temporary directory; 1 when the work was not done."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attachment-mb", type=int, default=100, help="MiB of random bytes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-bigmail-") as tmp:
        try:
            run(Path(tmp), args.attachment_mb)
        except BenchFailure as failure:
            print(f"BENCH FAILED: {failure}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
