"""Both servers keep the same promise: a message is fsynced before its ``250``.

Checked, not assumed: ``strace -f`` follows the server's process tree (every
thread of ``pmemail serve``; Postfix's master and every process it forks
after the probe attaches, so run this on a fresh instance) while one client
sends a few messages one after the other on the plain port. Each
``250 2.0.0 ... queued as`` reply must come after at least one completed
``fsync``/``fdatasync`` that followed the previous reply. Postfix's fsync is
the queue file's (cleanup), its Maildir copy is fsynced later by ``virtual``;
pmemail's is the Maildir copy itself.
"""

from __future__ import annotations

import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from pathlib import Path

from bench.method import BenchFailure, wait_for
from bench.shipped_server import USER
from bench.smtp.sides import Target

_REPLY = re.compile(r'"250 2\.0\.0 ok: queued as', re.IGNORECASE)
_SYNC = re.compile(r"\b(fsync|fdatasync)\(|<\.\.\. (fsync|fdatasync) resumed>")
_OK = re.compile(r"= 0\s*$")


def _synced_before_each_reply(trace: str) -> tuple[int, int, int]:
    """(replies, replies preceded by a fresh fsync, fsyncs) in an strace log."""
    replies = ok = syncs = 0
    fresh = False
    for line in trace.splitlines():
        if _SYNC.search(line) and _OK.search(line):  # a completed sync
            syncs += 1
            fresh = True
        elif _REPLY.search(line):
            replies += 1
            ok += fresh
            fresh = False
    return replies, ok, syncs


def probe(target: Target, messages: int = 10) -> str:
    """One line saying how ``target`` syncs; :class:`BenchFailure` if a 250 came first."""
    if shutil.which("strace") is None:
        raise BenchFailure("strace missing (Debian package strace): cannot check fsync-before-250")
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-strace-") as tmp:
        out = Path(tmp) / "trace"
        cmd = ["strace", "-f", "-qq", "-s", "48", "-o", str(out)]
        cmd += ["-e", "trace=fsync,fdatasync,write,writev,sendto,sendmsg"]
        for pid in target.pids()[:1]:  # the server itself, not its auth helper
            cmd += ["-p", str(pid)]
        tracer = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: out.exists(), "strace attaching", timeout=10)
            time.sleep(0.3)  # attached to every thread
            before = target.count()
            with smtplib.SMTP("127.0.0.1", target.port, timeout=30) as client:
                for index in range(messages):
                    body = f"From: probe@source.example\r\nSubject: probe {index}\r\n\r\nx\r\n"
                    client.sendmail("probe@source.example", [USER], body.encode())
            wait_for(lambda: target.count() >= before + messages, f"{target.name} probe")
        finally:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(10)
        trace = out.read_text(errors="replace")
    target.clear()
    replies, ok, syncs = _synced_before_each_reply(trace)
    if replies != messages or ok != messages:
        raise BenchFailure(
            f"{target.name}: {ok} of {replies} '250 queued' replies after an fsync "
            f"({messages} messages sent, {syncs} fsyncs seen)"
        )
    return (
        f"{target.name}: {ok}/{messages} replies '250 queued' came after an fsync "
        f"({syncs / messages:.1f} fsyncs per message, one session)"
    )
