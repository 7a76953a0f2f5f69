"""How many connections a listener holds: in all, and per client address.

Every listener (SMTP, submission, SMTPS, IMAP, POP3, webmail) owns one
``ConnectionLimiter``. A connection is admitted before the protocol says a
word; over either cap it gets the protocol's one-line refusal and is closed at
once, so a flood of idle connections from one address costs that address its
own budget and never the process's file descriptors (each admitted connection
holds one until it ends).

``AdmissionGate`` applies a limiter to a protocol the listener cannot subclass
(aiohttp's request handler) or whose construction costs (aiosmtpd's): it
forwards every callback to the real protocol once admitted.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from mailcore.resource_errors import RateLimitedLog
from pmemail.config.model import ServerConfig

log = logging.getLogger("pmemail.limits")


def peer_host(transport: asyncio.BaseTransport) -> str:
    """The client's address of a transport (``""`` when unknown, e.g. a Unix socket)."""
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


@dataclass
class Slot:
    """One admitted connection; ``release()`` gives its place back (idempotent)."""

    limiter: ConnectionLimiter
    host: str
    released: bool = False

    def release(self) -> None:
        """The connection ended."""
        if not self.released:
            self.released = True
            self.limiter._release(self.host)


class ConnectionLimiter:
    """Counts a listener's open connections, in all and per client address.

    Not thread-safe: used from the event loop only, like the listeners.
    """

    def __init__(self, name: str, max_total: int, max_per_address: int) -> None:
        """Caps for the listener ``name`` (used in the log line); 0 = no cap."""
        self.name = name
        self.max_total = max_total
        self.max_per_address = max_per_address
        self.refused_total = 0
        self._open: Counter[str] = Counter()
        self._total = 0
        self._log = RateLimitedLog(log)

    @classmethod
    def for_server(cls, name: str, server: ServerConfig) -> ConnectionLimiter:
        """The caps ``server.max_connections`` and ``server.max_connections_per_address``."""
        return cls(name, server.max_connections, server.max_connections_per_address)

    @property
    def open(self) -> int:
        """Connections admitted and not yet released."""
        return self._total

    @property
    def addresses(self) -> int:
        """Client addresses holding at least one connection (the map never keeps others)."""
        return len(self._open)

    def open_from(self, host: str) -> int:
        """Connections admitted from ``host`` and not yet released."""
        return self._open[host]

    def admit(self, host: str) -> Slot | None:
        """A slot for a new connection from ``host``, or None when a cap is reached.

        A refusal is logged at most once a minute per listener, with the
        number of refusals since the previous line: a flood logs one line.
        """
        if self.max_total and self._total >= self.max_total:
            self._refused(f"{self._total} open connections (max_connections)")
            return None
        if self.max_per_address and self._open[host] >= self.max_per_address:
            self._refused(f"{host} has {self._open[host]} open (max_connections_per_address)")
            return None
        self._open[host] += 1
        self._total += 1
        return Slot(self, host)

    def _refused(self, why: str) -> None:
        self.refused_total += 1
        self._log.warning(self.name, "%s: connection refused: %s", self.name, why)

    def _release(self, host: str) -> None:
        self._total -= 1
        left = self._open[host] - 1
        if left > 0:
            self._open[host] = left
        else:
            del self._open[host]  # no entry per address ever seen: the map stays small


class AdmissionGate(asyncio.Protocol):
    """A protocol that admits the connection, then hands every callback to ``make()``'s.

    Refused: ``refusal`` is written and the connection closed before the real
    protocol exists (nothing built, nothing logged). A real protocol that
    replaces itself on the transport (aiosmtpd's STARTTLS) no longer reaches
    the gate: it must release its slot itself (``Slot.release`` is idempotent).
    """

    def __init__(
        self,
        limiter: ConnectionLimiter,
        make: Callable[[Slot], asyncio.Protocol],
        refusal: bytes,
        silence_timeout: float | None = None,
    ) -> None:
        """Gate one connection of ``limiter``'s listener.

        ``make`` builds the real protocol for an admitted connection; it gets
        the slot, for a protocol that may outlive the gate on its transport.
        ``silence_timeout``: close an admitted connection that sends nothing
        for that long after it opened (a slot is not held by a mute client).
        """
        self._limiter, self._make, self._refusal = limiter, make, refusal
        self._silence_timeout = silence_timeout
        self._silence: asyncio.TimerHandle | None = None
        self._inner: asyncio.Protocol | None = None
        self._slot: Slot | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Admit and build the real protocol, or refuse and close."""
        self._slot = self._limiter.admit(peer_host(transport))
        if self._slot is None:
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(self._refusal)
            transport.close()
            return
        if self._silence_timeout is not None:
            loop = asyncio.get_running_loop()
            self._silence = loop.call_later(self._silence_timeout, transport.close)
        self._inner = self._make(self._slot)
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        """Release the slot; tell the real protocol."""
        if self._silence is not None:
            self._silence.cancel()
        if self._slot is not None:
            self._slot.release()
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Forwarded (a refused connection's bytes are dropped)."""
        if self._silence is not None:
            self._silence.cancel()
            self._silence = None
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        """Forwarded."""
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        """Forwarded (flow control)."""
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        """Forwarded (flow control)."""
        if self._inner is not None:
            self._inner.resume_writing()
