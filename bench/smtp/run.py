"""SMTP benchmark: Postfix's smtp-source against pmemail (durable, fsync before 250).

Usage: python bench/smtp/run.py [-s 20] [-m 2000] [-l 10240]

Starts pmemail's SMTP-in service on a loopback ephemeral port in a child
process, runs ``smtp-source`` (Debian package postfix) against it and prints
messages/second, then the peak RSS of the server while it receives one 100 MB
message. NOT DONE yet: the Postfix reference instance (own config dir, master
on 127.0.0.1:2526 delivering to a Maildir) and therefore the ratio.
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
from pathlib import Path

SERVER = r"""
import asyncio, sys
from pathlib import Path
from mailcore.delivery import MaildirDelivery
from mailcore.smtp.service import build_smtp_services
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
root = Path(sys.argv[1])
c = Config(); c.data_dir = str(root); c.mail.domain = "example.be"
c.server.listen_address = "127.0.0.1"; c.ports.smtp.internal = 0
c.ports.submission.internal = 0; c.mail.submission_extra_ports = []
c.mail.max_message_size = 200 * 2**20
paths = DataPaths(root)
users = UserStore.from_config(c, paths)
users.add_user("bench@example.be", "x")
async def main():
    svc = build_smtp_services(c, paths, users, MaildirDelivery(paths), None)[0]
    await svc.start()
    print(svc.port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def ensure_postfix() -> str:
    """Path of smtp-source, installing postfix (never left running) when missing."""
    found = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    if Path(found).exists():
        return found
    policy = Path("/usr/sbin/policy-rc.d")
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "postfix"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    finally:
        policy.unlink(missing_ok=True)
    return "/usr/sbin/smtp-source"


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def send_big(port: int, size: int) -> None:
    """One message of ``size`` bytes, generated on the fly (client stays small)."""
    line = b"x" * 998 + b"\r\n"
    with socket.create_connection(("127.0.0.1", port)) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"HELO big\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<bench@example.be>\r\nDATA\r\n")
        for _ in range(4):
            f.readline()
        for _ in range(size // len(line)):
            s.sendall(line)
        s.sendall(b".\r\nQUIT\r\n")
        print("  100 MB reply:", f.readline().decode().strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-s", type=int, default=20, help="parallel sessions")
    ap.add_argument("-m", type=int, default=2000, help="messages")
    ap.add_argument("-l", type=int, default=10240, help="message size")
    args = ap.parse_args()
    source = ensure_postfix()
    root = Path(tempfile.mkdtemp(prefix="pmemail-bench-", dir="/var/tmp"))
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(root)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        start = time.monotonic()
        subprocess.run([source, "-s", str(args.s), "-m", str(args.m), "-l", str(args.l),
                        "-f", "a@b.example", "-t", "bench@example.be", f"127.0.0.1:{port}"],
                       check=True)
        elapsed = time.monotonic() - start
        print(f"pmemail: {args.m / elapsed:.0f} messages/s ({args.m} x {args.l} B, "
              f"{args.s} sessions)")
        print("postfix: not measured (reference instance not set up yet); ratio: n/a")
        before = peak_rss_kb(proc.pid)
        send_big(port, 100 * 2**20)
        print(f"  peak RSS of pmemail: {peak_rss_kb(proc.pid) / 1024:.0f} MB "
              f"(before the 100 MB message: {before / 1024:.0f} MB)")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
