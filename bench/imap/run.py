"""IMAP benchmark: pmemail vs Dovecot on the same 200-message mailbox.

Each server gets its own copy of one mailbox (built from tests/data/corpus).
N client processes (default 10) run, for a bounded time (default 20 s each
server), the loop of a mail client: LOGIN, SELECT, FETCH flags/envelope/body,
STORE flags, APPEND, UID EXPUNGE of what it appended, LOGOUT. Prints
commands/second and errors for both, the ratio, and the server RSS with all
clients connected. Installs Debian dovecot-imapd when missing (as root).

Usage: python bench/imap/run.py [--duration 20] [--clients 10] [--messages 200]
"""

from __future__ import annotations

import argparse
import imaplib
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pmemail.config.model import Config  # noqa: E402
from tests.dovecot_support import missing, run_dovecot  # noqa: E402
from tests.imap_support import PASSWORD, USER, make_users  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
APPENDED = (
    b"From: bench@example.be\r\nTo: alice@example.be\r\nSubject: bench\r\n"
    b"Message-ID: <bench@example.be>\r\n\r\n" + b"benchmark body line\r\n" * 40
)


def ensure_dovecot() -> None:
    """Install dovecot-imapd (services kept from starting by policy-rc.d)."""
    if missing() is None:
        return
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "dovecot-imapd"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    finally:
        if created:
            policy.unlink()


def fill(maildir: Path, count: int) -> None:
    """``count`` messages cycled from the corpus into ``maildir/cur``."""
    corpus = sorted(CORPUS.glob("*.eml"))
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        flags = "S" if i % 2 else ""
        name = f"{1_600_000_000 + i}.B{i}.bench:2,{flags}"
        shutil.copyfile(corpus[i % len(corpus)], maildir / "cur" / name)


def client_loop(
    port: int, deadline: float, seed: int, queue: multiprocessing.Queue[object]
) -> None:
    """One client's load until ``deadline``; puts (commands, errors) on ``queue``."""
    rnd = random.Random(seed)
    commands = errors = 0
    conn: Any  # typeshed's IMAP4 result unions are too loose for this script
    try:
        conn = imaplib.IMAP4("127.0.0.1", port, timeout=30)
        conn.login(USER, PASSWORD)
        commands += 1
    except (OSError, imaplib.IMAP4.error):
        queue.put((0, 1))
        return
    queue.put(("connected",))
    while time.monotonic() < deadline:
        try:
            typ, data = conn.select("INBOX")
            n = max(1, int(data[0]))
            first = rnd.randint(1, n)
            results = [
                typ,
                conn.fetch("1:*", "(FLAGS)")[0],
                conn.fetch(f"{first}:{min(n, first + 20)}", "(ENVELOPE)")[0],
                conn.fetch(str(rnd.randint(1, n)), "(BODY.PEEK[])")[0],
                conn.store(str(rnd.randint(1, n)), "+FLAGS", "(\\Flagged)")[0],
            ]
            typ, data = conn.append("INBOX", None, None, APPENDED)
            results.append(typ)
            uid = data[0].split(b"APPENDUID ")[1].split(b" ")[1].rstrip(b"]").decode()
            results.append(conn.uid("STORE", uid, "+FLAGS", "(\\Deleted)")[0])
            results.append(conn.uid("EXPUNGE", uid)[0])
            commands += len(results)
            errors += sum(1 for r in results if r != "OK")
        except (OSError, imaplib.IMAP4.error, IndexError, ValueError):
            errors += 1
            break
    try:
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        pass
    queue.put((commands, errors))


def run_load(port: int, pids: list[int], clients: int, duration: float) -> tuple[float, int, int]:
    """(commands/s, errors, RSS bytes with every client connected)."""
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[object] = ctx.Queue()
    deadline = time.monotonic() + 2 + duration
    procs = [
        ctx.Process(target=client_loop, args=(port, deadline, i, queue)) for i in range(clients)
    ]
    for p in procs:
        p.start()
    results: list[tuple[int, int]] = []
    connected = 0
    rss = 0
    while len(results) < clients:
        item = queue.get(timeout=duration + 120)
        assert isinstance(item, tuple)
        if item == ("connected",):
            connected += 1
            if connected == clients:
                rss = server_rss(pids)
        else:
            results.append((int(item[0]), int(item[1])))
    for p in procs:
        p.join()
    commands = sum(r[0] for r in results)
    return commands / (duration + 2), sum(r[1] for r in results), rss


def server_rss(pids: list[int]) -> int:
    """Total RSS of the server processes and all their children."""
    total = 0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def main() -> int:
    """Run both servers under the same load and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of load per server")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--messages", type=int, default=200)
    args = ap.parse_args()
    ensure_dovecot()
    with tempfile.TemporaryDirectory(prefix="imap-bench-") as tmp_name:
        tmp = Path(tmp_name)
        config = Config()
        config.data_dir = str(tmp / "pm")
        config.mail.domain = "example.be"
        make_users(config)
        fill(tmp / "pm" / "mail" / "example.be" / "alice", args.messages)
        fill(tmp / "dovecot-mail", args.messages)
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("pm_server.py")), str(tmp / "pm")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert server.stdout is not None and server.stdin is not None
        port = int(server.stdout.readline().split()[1])
        try:
            pm = run_load(port, [server.pid], args.clients, args.duration)
        finally:
            server.stdin.close()
            server.wait(30)
        with run_dovecot(user=USER, password=PASSWORD, maildir=tmp / "dovecot-mail") as dovecot:
            assert dovecot.proc is not None
            dv = run_load(dovecot.port, [dovecot.proc.pid], args.clients, args.duration)
    print(f"{'server':10} {'cmd/s':>10} {'errors':>7} {'RSS (MiB)':>10}")
    for name, (rate, errors, rss) in (("pmemail", pm), ("dovecot", dv)):
        print(f"{name:10} {rate:10.1f} {errors:7d} {rss / 2**20:10.1f}")
    print(f"ratio pmemail/dovecot: {pm[0] / dv[0]:.2f} (target >= 0.5 with zero errors)")
    return 0 if pm[1] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
