"""An ISP without TOP (optional in RFC 1939): routed on the downloaded copy, held once.

Dovecot cannot turn TOP off, so the ISP here is Dovecot behind a line proxy
that answers ``-ERR`` to TOP (and drops it from CAPA) and passes every other
command and answer through unchanged. Dovecot's own counters then prove what
was downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from mailcore.collector import Collector, build_collector
from tests.collector_dovecot import IspMailbox, collecting, local_office, msg, pop_counters
from tests.collector_dovecot import subjects as delivered_subjects
from tests.config_factory import write_config


async def _pass_answers(upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
    in_capa = False
    while line := await upstream.readline():
        if in_capa and line.rstrip(b"\r\n").upper() == b"TOP":
            continue
        client.write(line)
        await client.drain()
        in_capa = in_capa and line != b".\r\n"
        in_capa = in_capa or line.upper().startswith(b"+OK CAPABILITY")
    client.close()


async def _serve(target: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    answers = asyncio.create_task(_pass_answers(up_reader, writer))
    try:
        while line := await reader.readline():
            if line.upper().startswith(b"TOP "):
                writer.write(b"-ERR Unknown command: TOP\r\n")
                await writer.drain()
                continue
            up_writer.write(line)
            await up_writer.drain()
    finally:
        up_writer.close()
        with contextlib.suppress(Exception):
            await answers


@contextlib.asynccontextmanager
async def without_top(isp: IspMailbox) -> AsyncIterator[int]:
    """A port where ``isp`` answers as a POP3 server without TOP."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve(isp.port, reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_no_top_routes_after_download_and_holds_once(tmp_path: Path, isp: IspMailbox) -> None:
    """The routable message is delivered; the stray one is downloaded once, then held by UIDL."""
    isp.put("a-stray", msg("stray", "To: nobody@far.test\r\n"))
    isp.put("b-ok", msg("ok", "To: bob@example.be\r\n"))
    async with without_top(isp) as port:
        setup = write_config(tmp_path, collecting(isp, multidrop=True, deliver_to="", port=port))
        async with local_office(tmp_path) as (paths, users, delivery):
            collector = build_collector(setup.config, paths, users, delivery)
            assert isinstance(collector, Collector)
            for run in range(3):
                assert await collector.run_once() == (1 if run == 0 else 0)
            tops, retrs, _ = pop_counters(isp)
            assert (tops, retrs) == (0, 2)  # no TOP reached the ISP; each message read once
            assert delivered_subjects(paths, "bob@example.be") == ["ok"]
            assert isp.remaining() == ["a-stray"]
            [held] = collector.status()["held"]
            assert held["sender"] == "someone@far.test" and held["subject"] == "stray"
            assert collector.status()["last_error"] == ""
