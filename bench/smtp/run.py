"""SMTP benchmark: Postfix's smtp-source against pmemail and against Postfix.

Usage: python bench/smtp/run.py [-s 20] [-m 2000] [-l 10240] [--rounds 3] [--uvloop]

Both servers listen on loopback only and keep the same promise: a message is
fsynced before ``250`` (pmemail: in the Maildir; Postfix: in its queue, then
its ``virtual`` agent fsyncs the Maildir copy). The clock stops when every
message is in the Maildir, so Postfix's queue-then-deliver is measured whole.
Rounds alternate pmemail / Postfix so that a busy machine hurts both alike;
the best round of each is compared. Then the peak RSS of pmemail while it
receives one 100 MB message. Needs root (installs postfix when missing, and
runs a private Postfix instance from a temporary directory).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from postfix import PrivatePostfix, ensure_postfix  # type: ignore[import-not-found,unused-ignore]

from pmemail.config.paths import DataPaths

SMTP_SOURCE = "/usr/sbin/smtp-source"
SERVER = Path(__file__).with_name("pmemail_server.py")
DOMAIN, USER = "example.be", "bench"
BIG = 100 * 2**20


def free_port() -> int:
    """An unused loopback port (for Postfix, which cannot report an ephemeral one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def count_files(directory: Path) -> int:
    """Files in ``directory`` (0 while it does not exist)."""
    return sum(1 for _ in os.scandir(directory)) if directory.exists() else 0


def run_source(
    port: int, args: argparse.Namespace, delivered: Callable[[], int], stall: float = 30.0
) -> float:
    """smtp-source against ``port``; messages/s until all ``args.m`` are in the Maildir."""
    start = last_progress = time.monotonic()
    subprocess.run(
        [
            SMTP_SOURCE,
            "-s",
            str(args.s),
            "-m",
            str(args.m),
            "-l",
            str(args.l),
            "-f",
            "sender@source.example",
            "-t",
            f"{USER}@{DOMAIN}",
            f"127.0.0.1:{port}",
        ],
        check=True,
    )
    seen = delivered()
    while seen < args.m:
        time.sleep(0.01)
        now, before, seen = time.monotonic(), seen, delivered()
        if seen > before:
            last_progress = now
        elif now - last_progress > stall:
            raise RuntimeError(f"only {seen} of {args.m} messages delivered, none for {stall} s")
    return float(args.m / (time.monotonic() - start))


class PmemailServer:
    """pmemail_server.py in a child process with its own data dir."""

    def __init__(self, uvloop: bool) -> None:
        """Start it and read back its port."""
        self.root = Path(tempfile.mkdtemp(prefix="pmemail-bench-", dir="/var/tmp"))
        cmd = [sys.executable, str(SERVER), str(self.root), *(["--uvloop"] if uvloop else [])]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.strip():
            self.close()
            raise RuntimeError("pmemail bench server did not start (see its error above)")
        self.port = int(line)
        self.new = DataPaths(self.root).maildirs / DOMAIN / USER / "new"

    def delivered(self) -> int:
        """Messages in the bench user's ``new/``."""
        return count_files(self.new)

    def peak_rss_mb(self) -> float:
        """VmHWM of the server process, in MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        """SIGTERM (it prints its counters), wait, remove the data dir."""
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def send_big(port: int, size: int) -> str:
    """One message of ``size`` bytes generated on the fly; the final reply line."""
    line = b"x" * 998 + b"\r\n"
    block = line * 64
    with socket.create_connection(("127.0.0.1", port)) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(
            b"HELO big\r\nMAIL FROM:<sender@source.example>\r\n"
            + f"RCPT TO:<{USER}@{DOMAIN}>\r\nDATA\r\n".encode()
        )
        for _ in range(4):
            f.readline()
        for _ in range(size // len(block)):
            s.sendall(block)
        s.sendall(b".\r\nQUIT\r\n")
        return f.readline().decode().strip()


def main() -> int:
    """Run the comparison and print the numbers."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-s", type=int, default=20, help="parallel sessions (default 20)")
    ap.add_argument("-m", type=int, default=2000, help="messages per round (default 2000)")
    ap.add_argument("-l", type=int, default=10240, help="message size in bytes (default 10240)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--uvloop", action="store_true", help="run pmemail on uvloop (pip install)")
    ap.add_argument("--no-postfix", action="store_true", help="measure pmemail only")
    ap.add_argument("--no-big", action="store_true", help="skip the 100 MB RSS measurement")
    args = ap.parse_args()
    if os.geteuid() != 0 and not args.no_postfix:
        print("run as root (installs and runs a private Postfix) or pass --no-postfix")
        return 2
    ensure_postfix()
    pm_rates: list[float] = []
    pf_rates: list[float] = []
    for rnd in range(1, args.rounds + 1):
        server = PmemailServer(args.uvloop)
        try:
            pm_rates.append(run_source(server.port, args, server.delivered))
        finally:
            server.close()
        print(f"round {rnd}: pmemail {pm_rates[-1]:.0f} msg/s", flush=True)
        if not args.no_postfix:
            port = free_port()
            with PrivatePostfix(port, DOMAIN, USER) as postfix:
                pf_rates.append(run_source(port, args, postfix.delivered))
            print(f"round {rnd}: postfix {pf_rates[-1]:.0f} msg/s", flush=True)
    what = f"{args.m} x {args.l} B over {args.s} sessions, best of {args.rounds}"
    print(f"pmemail: {max(pm_rates):.0f} messages/s ({what})")
    if pf_rates:
        print(f"postfix: {max(pf_rates):.0f} messages/s ({what})")
        print(f"ratio pmemail/postfix: {max(pm_rates) / max(pf_rates):.2f} (target >= 0.9)")
    if not args.no_big:
        server = PmemailServer(args.uvloop)
        try:
            before = server.peak_rss_mb()
            reply = send_big(server.port, BIG)
            print(
                f"100 MB message: {reply}; peak RSS of pmemail {server.peak_rss_mb():.0f} MB "
                f"(idle {before:.0f} MB; target < 150 MB)"
            )
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
