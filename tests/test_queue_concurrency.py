"""queue.concurrency bounds how many messages are in delivery at once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from pmemail.config.model import QueueConfig
from tests.queue_support import (
    LOCAL,
    Sink,
    fast_config,
    make_office,
    message,
    smarthost,
    wait_until,
)


@dataclass
class SlowSink(Sink):
    """Holds every DATA until ``gate`` transactions are open (or a bound passes)."""

    gate: int = 1
    active: int = 0
    peak: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.active += 1
        self.peak = max(self.peak, self.active)
        deadline = time.monotonic() + 5  # only guards against a hang
        while self.active < self.gate and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # room for a transaction beyond the limit to show up
        self.active -= 1
        return await super().handle_DATA(server, session, envelope)


def test_default_is_eight() -> None:
    """The documented default."""
    assert QueueConfig().concurrency == 8


@pytest.mark.parametrize("limit", [1, 3])
async def test_concurrency_limits_parallel_transactions(tmp_path: Path, limit: int) -> None:
    """With 6 due messages, exactly ``limit`` SMTP transactions run side by side."""
    sink = SlowSink(gate=limit)
    async with smarthost(sink) as port:
        config = fast_config(tmp_path, port)
        config.queue.concurrency = limit
        office = make_office(config)
        runner = office.runner()
        for i in range(6):  # all queued before the runner starts: one pass sees them all
            runner.store.add(office.spool(f"s{i}", message()), LOCAL, [f"r{i}@remote.test"])
        await runner.start()
        try:
            await wait_until(lambda: not runner.store.ids(), timeout=60)
        finally:
            await runner.stop()
    assert len(sink.received) == 6
    assert sink.peak == limit
