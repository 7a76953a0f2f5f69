"""Webmail benchmark: requests/s of the message list of ``pmemail serve`` as shipped.

Usage (from the project root)::

    bash dev.sh bench webmail [-m 2000] [-p 2] [-c 4] [-s 5] [-r 5]

Starts :class:`~bench.shipped_server.ShippedServer` (every service, default
config and logging, free loopback ports), fills the bench user's INBOX with
``-m`` messages sent by SMTP (counted in the Maildir), then measures the first
page of the message list (``/mail?f=INBOX&page=1``) with ``-p`` logged-in
client processes of ``-c`` requests in flight each, over ``-s`` second
windows. Every response is checked: status 200 and one row per message of
the page (``webmail.page_size``, default 50); any other answer fails the
bench with its cause.

There is no peer to compare with (no other webmail runs on the bench machine
at a comparable cost), so :func:`bench.method.alternate` compares ``-p``
client processes with twice as many, round by round: the ratio near 1 shows
the client processes are not what limits the rate. The figure is the
``-p`` side's min / median / max. Downloads of a large attachment are
measured by ``bench/bigmail``.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.method import BenchFailure, Measure, alternate, report, spread  # noqa: E402
from bench.shipped_server import PASSWORD, USER, ShippedServer  # noqa: E402
from bench.webmail.clients import SUBJECT_PREFIX, ClientPool, Target  # noqa: E402

SENDER = "sender@remote.example"
FILL_CONNECTIONS = 4
# the client side is enough when twice its processes raise the rate by under ~10 %
CLIENT_BOUND_RATIO = 0.9


def _send(port: int, numbers: range) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        for i in numbers:
            body = (
                f"From: Sender {i} <{SENDER}>\r\nTo: {USER}\r\n"
                f"Subject: {SUBJECT_PREFIX}{i}\r\nDate: Mon, 1 Jun 2026 10:00:00 +0200\r\n"
                f"Message-ID: <list-{i}@remote.example>\r\n\r\n{'Hello. ' * 200}\r\n"
            )
            smtp.sendmail(SENDER, [USER], body.encode())


def fill(server: ShippedServer, messages: int) -> None:
    """Send ``messages`` by SMTP over a few connections; check the Maildir holds them all."""
    began = time.perf_counter()
    port = server.port("smtp")
    with ThreadPoolExecutor(FILL_CONNECTIONS) as pool:
        parts = [range(k, messages, FILL_CONNECTIONS) for k in range(FILL_CONNECTIONS)]
        for done in [pool.submit(_send, port, part) for part in parts]:
            done.result()  # an SMTP error raises here, with its reply
    stored = sum(1 for sub in ("new", "cur") for _ in (server.maildir / sub).iterdir())
    if stored != messages:
        raise BenchFailure(f"{stored} messages in the Maildir after sending {messages}")
    seconds = time.perf_counter() - began
    print(f"filled INBOX: {messages} messages by SMTP in {seconds:.1f} s, {stored} in the Maildir")


def side(pool: ClientPool, processes: int, seconds: float, concurrency: int) -> Measure:
    """One window with ``processes`` client processes; fails on any wrong answer."""
    window = pool.run(seconds, processes)
    if window.errors:
        causes = "; ".join(f"{n} × {cause}" for cause, n in window.errors.most_common())
        raise BenchFailure(f"message list: {causes}")
    if window.ok == 0:
        raise BenchFailure("message list: no request completed in the window")
    note = f"({window.ok} checked, {processes} processes × {concurrency} in flight)"
    return Measure(window.rate, note)


def main() -> int:
    """Fill, measure, print; 1 when the work was not done."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-m", "--messages", type=int, default=2000)
    parser.add_argument("-p", "--processes", type=int, default=2, help="client processes")
    parser.add_argument("-c", "--concurrency", type=int, default=4, help="in flight per process")
    parser.add_argument("-s", "--seconds", type=float, default=5.0, help="window per side")
    parser.add_argument("-r", "--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory(prefix="pmemail-bench-webmail-") as tmp:
            measure(Path(tmp), args)
    except BenchFailure as failure:
        print(f"BENCH FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


def measure(root: Path, args: argparse.Namespace) -> None:
    """The bench itself, on a server in ``root``."""
    with ShippedServer(root) as server:
        fill(server, args.messages)
        rows = min(server.config.webmail.page_size, args.messages)
        # HTTPS as shipped (port 80 only redirects); TLS is part of the measured cost
        url = f"https://127.0.0.1:{server.port('https')}"
        target = Target(url, USER, PASSWORD, rows, args.concurrency)
        few, more = args.processes, 2 * args.processes
        with ClientPool(target, more) as pool:
            result = alternate(
                {
                    f"{few} procs": lambda: side(pool, few, args.seconds, args.concurrency),
                    f"{more} procs": lambda: side(pool, more, args.seconds, args.concurrency),
                },
                args.rounds,
            )
    title = f"webmail message list ({rows} rows a page, {args.messages} messages), requests/s"
    report(title + f": {few} vs {more} client processes", result, "req/s", CLIENT_BOUND_RATIO)
    rates = result.rates[f"{few} procs"]
    ratio = statistics.median(result.ratios)
    print(
        f"message list with {few} client processes: min / median / max = {spread(rates)}"
        " requests/s; goal: none stated (README, bench/webmail/README.md)"
    )
    if ratio < CLIENT_BOUND_RATIO:
        print(
            f"  doubling the client processes raised the rate (ratio {ratio:.2f}): the clients"
            " limit it; the figure is a lower bound, run with more -p"
        )
    else:
        print(f"  doubling the client processes did not raise it (ratio {ratio:.2f})")


if __name__ == "__main__":
    raise SystemExit(main())
