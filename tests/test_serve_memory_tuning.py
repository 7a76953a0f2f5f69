"""The process-wide memory settings of ``pmemail serve``: TLS read buffers of 32 KiB
carry big transfers intact, and the C allocator accepts its fixed mmap threshold."""

from __future__ import annotations

import asyncio
import hashlib
import os
from asyncio import sslproto
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmemail.serve.resources import TLS_READ_BUFFER, shrink_tls_buffers, tune_allocator
from tests.webmail_support import local_ca


@pytest.fixture
def small_buffers() -> Iterator[None]:
    before = sslproto.SSLProtocol.max_size
    shrink_tls_buffers()
    yield
    sslproto.SSLProtocol.max_size = before


async def test_a_big_upload_over_tls_arrives_whole(tmp_path: Path, small_buffers: None) -> None:
    """5 MiB each way through the shrunk buffer: same bytes (a TLS record is 16 KiB)."""
    certs = local_ca(tmp_path)
    data = os.urandom(5 * 1024 * 1024)

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got = await reader.readexactly(len(data))
        writer.write(hashlib.sha256(got).digest() + got)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=certs.server)
    port = server.sockets[0].getsockname()[1]
    async with server:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=certs.client, server_hostname="localhost"
        )
        assert sslproto.SSLProtocol.max_size == TLS_READ_BUFFER
        writer.write(data)
        await writer.drain()
        digest = await reader.readexactly(32)
        back = await reader.readexactly(len(data))
        writer.close()
    assert digest == hashlib.sha256(data).digest() and back == data


def test_the_allocator_takes_the_fixed_threshold() -> None:
    """On glibc (this project's platform) mallopt accepts both settings."""
    assert tune_allocator() is True
