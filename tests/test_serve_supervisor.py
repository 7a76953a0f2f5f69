"""The supervisor, control socket and pid file, in process with small real services."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import pytest

from mailcore.interfaces import ServiceStartError
from pmemail.serve.control import ControlServer, NotRunning, query_control, query_control_sync
from pmemail.serve.pidfile import AlreadyRunning, PidFile
from pmemail.serve.supervisor import StartupFailed, Supervisor


class Recorder:
    """A service that only records its start/stop calls."""

    def __init__(self, name: str, log: list[str], fail: bool = False) -> None:
        self.name = name
        self.log = log
        self.fail = fail

    async def start(self) -> None:
        self.log.append(f"start {self.name}")
        if self.fail:
            raise ServiceStartError("certificate missing")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")

    def status(self) -> dict[str, object]:
        return {"counters": {"accepted": 1}}


class Listener:
    """A real TCP listener on a given port (the shape of every protocol service)."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    def status(self) -> dict[str, object]:
        return {"ports": [self.port]}


class Queue(Recorder):
    """A recorder with the queue runner's retry hook."""

    retried = 0

    async def retry_now(self) -> int:
        self.retried += 1
        return 3


def held_port() -> socket.socket:
    """A listening socket on a free loopback port (kept open by the caller)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


async def run_until_ready(sup: Supervisor) -> asyncio.Task[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(sup.run(ready.set))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()  # raises the startup error
    return task


async def test_start_in_order_stop_in_reverse(tmp_path: Path) -> None:
    """Services start in list order and stop in reverse on request."""
    log: list[str] = []
    sup = Supervisor([Recorder("a", log), Recorder("b", log), Recorder("c", log)])
    task = await run_until_ready(sup)
    assert [s["state"] for s in sup.status()["services"]] == ["running"] * 3
    sup.request_stop()
    await task
    assert log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"]


async def test_failed_start_stops_the_earlier_ones() -> None:
    """A failing service: earlier ones stopped, later ones never started, one line."""
    log: list[str] = []
    sup = Supervisor([Recorder("a", log), Recorder("tls", log, fail=True), Recorder("c", log)])
    with pytest.raises(StartupFailed, match=r"^tls: certificate missing$"):
        await sup.run()
    assert log == ["start a", "start tls", "stop tls", "stop a"]


async def test_port_in_use_names_port_and_holder() -> None:
    """EADDRINUSE becomes one line with the port and the holding process."""
    sock = held_port()
    port = sock.getsockname()[1]
    try:
        with pytest.raises(StartupFailed) as info:
            await Supervisor([Listener("smtp", port)]).run()
    finally:
        sock.close()
    message = str(info.value)
    assert "\n" not in message
    assert f"port {port} is already in use by process {os.getpid()}" in message
    assert message.startswith("smtp: cannot listen on 127.0.0.1:")


async def test_control_socket_status_and_stop(tmp_path: Path) -> None:
    """status lists every service with its own fields; stop ends run()."""
    path = tmp_path / "ctl.sock"
    log: list[str] = []
    sup = Supervisor([Recorder("a", log), Queue("queue", log)], control_socket=path)
    task = await run_until_ready(sup)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    answer = await query_control(path, {"cmd": "status"})
    assert answer["ok"] is True and answer["pid"] == os.getpid()
    assert [s["name"] for s in answer["services"]] == ["a", "queue"]
    assert answer["services"][0] == {"name": "a", "state": "running", "counters": {"accepted": 1}}
    retry = await query_control(path, {"cmd": "queue_retry"})
    assert retry == {"ok": True, "service": "queue", "result": 3}
    bad = await query_control(path, {"cmd": "explode"})
    assert bad["ok"] is False and "unknown command 'explode'" in bad["error"]
    sync = await asyncio.to_thread(query_control_sync, path, {"cmd": "ping"})
    assert sync == {"ok": True, "pid": os.getpid()}
    assert (await query_control(path, {"cmd": "stop"}))["ok"] is True
    await asyncio.wait_for(task, 10)
    assert not path.exists()
    with pytest.raises(NotRunning):
        await query_control(path, {"cmd": "status"})


async def test_control_rejects_garbage(tmp_path: Path) -> None:
    """Non-JSON and non-object requests get an error answer; the socket lives on."""
    path = tmp_path / "ctl.sock"

    async def handler(request: dict[str, object]) -> dict[str, object]:
        return {"ok": True, "echo": request["cmd"]}

    server = ControlServer(path, handler)
    await server.start()
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
        for line, expected in ((b"nonsense\n", "not JSON"), (b"[1]\n", "must be an object")):
            writer.write(line)
            assert expected.encode() in await reader.readline()
        writer.write(b'{"cmd": "hi"}\n')
        assert await reader.readline() == b'{"ok": true, "echo": "hi"}\n'
        writer.close()
        await writer.wait_closed()
    finally:
        await server.stop()


def test_pidfile_refuses_a_live_holder_and_replaces_a_stale_one(tmp_path: Path) -> None:
    """A locked pid file refuses a second server; a leftover file is taken over."""
    path = tmp_path / "run" / "pmemail.pid"
    path.parent.mkdir()
    path.write_text("999999\n")  # left by a server killed with -9
    with PidFile(path) as first:
        assert first.stale_pid == 999999
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"):
            PidFile(path).acquire()
    assert not path.exists()


class Buggy(Recorder):
    """A service whose start has a bug (not a ServiceStartError)."""

    async def start(self) -> None:
        raise RuntimeError("boom")


async def test_a_bug_in_start_is_one_line() -> None:
    """An unexpected exception still becomes one line naming the service."""
    log: list[str] = []
    sup = Supervisor([Recorder("a", log), Buggy("imap", log)])
    with pytest.raises(StartupFailed, match=r"^imap: failed to start: RuntimeError: boom$"):
        await sup.run()
    assert log == ["start a", "stop imap", "stop a"]
    assert [s["state"] for s in sup.status()["services"]] == ["stopped", "failed"]


class Hung(Recorder):
    """A service whose stop never returns."""

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")
        await asyncio.Event().wait()


async def test_a_hung_stop_is_abandoned_after_the_timeout() -> None:
    """server.stop_timeout bounds each stop; the services before it still stop."""
    log: list[str] = []
    sup = Supervisor([Recorder("a", log), Hung("imap", log)], stop_timeout=0.2)
    task = await run_until_ready(sup)
    sup.request_stop()
    await asyncio.wait_for(task, 10)
    assert log == ["start a", "start imap", "stop imap", "stop a"]
