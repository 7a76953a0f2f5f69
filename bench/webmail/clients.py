"""The webmail load generator: client processes, each logged in, asking for the message list.

A :class:`ClientPool` starts its processes once; each logs in (its own
webmail session, as one person's browser) and then waits for windows to run.
For a window, the bench gives every process the same wall-clock start and
end: a process keeps ``concurrency`` requests in flight and counts those that
completed inside the window, checking each one (status 200, the expected
number of message rows). Several processes, because one Python client
process can be slower than the server it measures.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import aiohttp

from bench.method import BenchFailure
from tests.webmail_support import client, login

LIST_PATH = "/mail?f=INBOX&page=1"
SUBJECT_PREFIX = "Bench list "
# one row of the message list: its subject cell, a link to the message
_ROW = re.compile(r'<td class="subject"><a href="/msg\?[^"]+">' + SUBJECT_PREFIX + r"\d+</a>")


@dataclass(frozen=True)
class Target:
    """What every client asks for and what it must get."""

    url: str
    user: str
    password: str
    rows: int  # message rows expected on the first page
    concurrency: int  # requests in flight per process


@dataclass(frozen=True)
class Window:
    """One window's result, summed over the processes."""

    ok: int
    errors: Counter[str]
    seconds: float

    @property
    def rate(self) -> float:
        """Checked requests per second."""
        return self.ok / self.seconds


async def _one(http: aiohttp.ClientSession, target: Target) -> str:
    """One request; "" when right, else the cause."""
    async with http.get(target.url + LIST_PATH, allow_redirects=False) as resp:
        page = await resp.text()
    if resp.status != 200:
        return f"HTTP {resp.status}"
    rows = len(_ROW.findall(page))
    return "" if rows == target.rows else f"{rows} message rows, {target.rows} expected"


async def _window(
    http: aiohttp.ClientSession, target: Target, start: float, end: float
) -> tuple[int, Counter[str]]:
    ok, errors = 0, Counter[str]()
    await asyncio.sleep(max(0.0, start - time.time()))

    async def lane() -> None:
        nonlocal ok
        while time.time() < end:
            try:
                cause = await _one(http, target)
            except Exception as err:  # counted with its cause, never hidden
                cause = f"{type(err).__name__}: {err}"
            if time.time() > end:
                return  # finished after the window: not counted either way
            if cause:
                errors[cause] += 1
            else:
                ok += 1

    await asyncio.gather(*(lane() for _ in range(target.concurrency)))
    return ok, errors


async def _serve(conn: Connection, target: Target) -> None:
    async with client() as http:
        page = await login(http, target.url, target.user, target.password)
        logged_in = page.status == 200 and not page.url.path.startswith("/login")
        conn.send("" if logged_in else f"HTTP {page.status} at {page.url}")
        while True:
            window = await asyncio.to_thread(conn.recv)
            if window is None:
                return
            conn.send(await _window(http, target, *window))


def _process(conn: Connection, target: Target) -> None:
    asyncio.run(_serve(conn, target))


class ClientPool:
    """``processes`` logged-in client processes (context manager)."""

    def __init__(self, target: Target, processes: int) -> None:
        """Start the processes and wait until every one has logged in."""
        context = multiprocessing.get_context("spawn")  # no state copied from the bench
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for _ in range(processes):
            mine, theirs = context.Pipe()
            proc = context.Process(target=_process, args=(theirs, target), daemon=True)
            proc.start()
            self.conns.append(mine)
            self.procs.append(proc)
        for conn in self.conns:
            failed = conn.recv()
            if failed:
                self.close()
                raise BenchFailure(f"a client could not log in: {failed}")

    def run(self, seconds: float, processes: int) -> Window:
        """The first ``processes`` clients ask for the list during the same ``seconds``."""
        start = time.time() + 0.2  # every process is waiting when the window opens
        for conn in self.conns[:processes]:
            conn.send((start, start + seconds))
        ok, errors = 0, Counter[str]()
        for conn in self.conns[:processes]:
            done, failed = conn.recv()
            ok += done
            errors.update(failed)
        return Window(ok, errors, seconds)

    def close(self) -> None:
        """Let every process log out and end."""
        for conn in self.conns:
            conn.send(None)
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()

    def __enter__(self) -> ClientPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
