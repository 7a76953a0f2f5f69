"""Start and stop an asyncio TCP listener whose sessions are tracked per task.

The line-protocol servers (POP3, IMAP) share this shape: bind with a clear
start-up error, read the port back (port 0 = ephemeral), and on stop close
the listener, then end every session by aborting its connection. Aborting
lets each session finish through its normal path (locks released, nothing
committed); cancelling the tasks instead makes asyncio's stream callback
log a spurious ``CancelledError``. With a ``ConnectionLimiter``, a connection
over its caps gets the protocol's refusal line and is closed before the
session starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from mailcore.connection_limits import ConnectionLimiter, peer_host
from mailcore.interfaces import ListenError

Accept = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
STREAM_LIMIT = 2**16  # asyncio's default: the longest line a StreamReader buffers


class Abortable(Protocol):
    """A session's connection: a transport, or a wrapper with ``abort()``."""

    def abort(self) -> None:
        """Drop the connection now."""


async def start_listener(
    label: str,
    accept: Accept,
    host: str,
    port: int,
    limit: int = STREAM_LIMIT,
    *,
    limiter: ConnectionLimiter | None = None,
    refusal: bytes = b"",
) -> tuple[asyncio.Server, int]:
    """Listen on ``host:port``; returns the server and the port really bound.

    Args:
        label: the protocol's name in the error, e.g. ``"POP3"``.
        accept: the per-connection coroutine (``asyncio.start_server``'s callback).
        host: the address to bind.
        port: the port (0 = any free port).
        limit: the stream buffer limit (bounds one line).
        limiter: the connection caps (None = none).
        refusal: the line sent to a connection over the caps.

    Raises:
        ListenError: the address cannot be bound (in use, not permitted ...).
    """
    if limiter is not None:
        accept = _gated(accept, limiter, refusal)
    try:
        server = await asyncio.start_server(accept, host, port, limit=limit)
    except OSError as exc:
        raise ListenError(label, host, port, exc) from None
    return server, int(server.sockets[0].getsockname()[1])


def _gated(accept: Accept, limiter: ConnectionLimiter, refusal: bytes) -> Accept:
    """``accept`` behind ``limiter``: refused connections are answered and closed."""

    async def gated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        slot = limiter.admit(peer_host(writer.transport))
        if slot is None:
            writer.write(refusal)
            writer.close()  # flushes the refusal, then closes; nothing to wait for
            return
        try:
            await accept(reader, writer)
        finally:
            slot.release()

    return gated


async def stop_listener(
    server: asyncio.Server | None,
    sessions: Mapping[asyncio.Task[None], Abortable],
    timeout: float = 5.0,
) -> set[asyncio.Task[None]]:
    """Stop accepting, abort every session's connection, wait for the sessions.

    Args:
        server: the listener (None when it never started).
        sessions: the running session tasks and their connections.
        timeout: how long to wait for the sessions to end.

    Returns:
        The sessions still running after ``timeout`` (the caller may cancel them).
    """
    if server is not None:
        server.close()
        await server.wait_closed()
    for conn in list(sessions.values()):
        conn.abort()
    if not sessions:
        return set()
    _, pending = await asyncio.wait(list(sessions), timeout=timeout)
    return pending
