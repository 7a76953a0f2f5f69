"""Webmail benchmark: message-list requests/second and peak RSS while downloading 100 MB.

Usage: python bench/webmail/run.py [-m 2000] [-r 400] [-c 8] [--attachment-mb 100]

Fills a throw-away data dir (``-m`` messages in alice's INBOX and one message
carrying a ``--attachment-mb`` attachment), starts the webmail alone in a child
process on a loopback ephemeral port, logs in, fetches ``/mail`` ``-r`` times
with ``-c`` concurrent clients, then downloads the attachment while sampling
the server's RSS. Target: the server stays under 150 MB during the download.
Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import psutil

SERVER = r"""
import asyncio, sys
from pathlib import Path
from mailcore.delivery import MaildirDelivery
from mailcore.mailstore import MailStore
from mailcore.server_tls import server_tls_context
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from mailcore.webmail import build_submitter, build_webmail_service
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
root = Path(sys.argv[1])
c = Config(); c.data_dir = str(root); c.mail.domain = "example.be"
c.server.listen_address = "127.0.0.1"; c.ports.webmail.internal = 0
c.webmail.page_size = 50
paths = DataPaths(root)
users = UserStore.from_config(c, paths)
async def main():
    delivery = MaildirDelivery(paths, fsync=False)
    store = MailStore(paths.maildirs)
    svc = build_webmail_service(c, paths, users, AuthThrottle(c.security), store,
                                build_submitter(c, users, delivery, None),
                                tls=server_tls_context(c, paths))
    await svc.start()
    print(svc.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await svc.stop()
asyncio.run(main())
"""

ALICE, PASSWORD = "alice@example.be", "bench password"


def fill(root: Path, messages: int, attachment_mb: int) -> None:
    """Create alice and her messages directly through delivery (not what is measured)."""
    from mailcore.delivery import MaildirDelivery
    from mailcore.users import UserStore
    from mailcore.webmail.compose import Draft, Upload, write_message
    from pmemail.config.model import Config
    from pmemail.config.paths import DataPaths

    config = Config(data_dir=str(root))
    config.mail.domain = "example.be"
    paths = DataPaths(root)
    UserStore.from_config(config, paths).add_user(ALICE, PASSWORD)
    delivery = MaildirDelivery(paths, fsync=False)
    spool = root / "bench.eml"
    for i in range(messages):
        spool.write_bytes(
            f"From: Sender {i} <s{i}@remote.example>\r\nTo: {ALICE}\r\n"
            f"Subject: Benchmark message {i}\r\nDate: Mon, 1 Jun 2026 10:00:00 +0200\r\n"
            f"Message-ID: <{i}@remote.example>\r\n\r\n{'Hello. ' * 200}\r\n".encode()
        )
        delivery.deliver_sync(spool, [ALICE])
    blob = root / "drawing.dwg"
    with open(blob, "wb") as f:
        for _ in range(attachment_mb):
            f.write(os.urandom(1 << 20))
    with open(spool, "wb") as out:
        write_message(
            Draft(
                from_addr="s@remote.example",
                from_name="Big",
                to=ALICE,
                subject="Big drawing",
                body="see attachment",
                attachments=[Upload(blob, "drawing.dwg")],
            ),
            out,
        )
    delivery.deliver_sync(spool, [ALICE])
    blob.unlink()
    spool.unlink()


async def measure(base: str, server: psutil.Process, requests: int, concurrency: int) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(base + "/login") as r:
            token = re.search(r'name="_csrf" value="([^"]+)"', await r.text())
        assert token, "no login form"
        async with http.post(
            base + "/login", data={"_csrf": token.group(1), "address": ALICE, "password": PASSWORD}
        ) as r:
            page = await r.text()
            assert r.status == 200, page[:300]
        left = requests

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                async with http.get(base + "/mail?f=INBOX&page=1") as resp:
                    await resp.read()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        print(
            f"message list: {requests / elapsed:.0f} requests/s "
            f"({requests} requests, {concurrency} clients, {elapsed:.2f} s)"
        )

        async with http.get(base + "/mail?f=INBOX&q=Big+drawing") as r:
            uid = re.search(r"/msg\?f=INBOX&amp;uid=(\d+)", await r.text())
        assert uid, "big message not listed"
        async with http.get(f"{base}/msg?f=INBOX&uid={uid.group(1)}") as r:
            part = re.search(r'href="(/part\?[^"]+)"', await r.text())
        assert part, "no attachment link"
        before = server.memory_info().rss
        hwm_before = _vm_hwm(server.pid)
        sampler = _RssSampler(server)
        received = 0
        start = time.perf_counter()
        with sampler:
            async with http.get(base + part.group(1).replace("&amp;", "&")) as r:
                async for chunk in r.content.iter_chunked(1 << 16):
                    received += len(chunk)
        elapsed = time.perf_counter() - start
        peak = max(before, sampler.peak)
        mb = 1024 * 1024
        verdict = "OK" if peak < 150 * mb else "OVER TARGET"
        print(
            f"attachment download: {received / mb:.1f} MB in {elapsed:.2f} s "
            f"({received / mb / elapsed:.0f} MB/s)"
        )
        print(
            f"[during download] server RSS {before / mb:.1f} MB before, peak "
            f"{peak / mb:.1f} MB while streaming ({sampler.samples} samples every "
            f"{_SAMPLE_S * 1000:.0f} ms; target < 150 MB: {verdict})"
        )
        print(
            f"[since start]     server VmHWM {hwm_before / mb:.1f} MB before the download, "
            f"{_vm_hwm(server.pid) / mb:.1f} MB after (the kernel's high-water mark: it "
            f"also counts logging in, the list requests and reading the big message)"
        )


_SAMPLE_S = 0.005


class _RssSampler:
    """Samples a process's RSS from a thread (the client loop may be busy reading)."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.samples += 1
            self._stop.wait(_SAMPLE_S)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _vm_hwm(pid: int) -> int:
    """The kernel's high-water mark of a process's resident set, bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-m", "--messages", type=int, default=2000)
    parser.add_argument("-r", "--requests", type=int, default=400)
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("--attachment-mb", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pmemail-bench-webmail-") as tmp:
        root = Path(tmp)
        print(f"filling {args.messages} messages + one {args.attachment_mb} MB attachment...")
        fill(root, args.messages, args.attachment_mb)
        child = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            asyncio.run(
                measure(
                    f"http://127.0.0.1:{port}",
                    psutil.Process(child.pid),
                    args.requests,
                    args.concurrency,
                )
            )
        finally:
            if child.stdin:
                child.stdin.close()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
