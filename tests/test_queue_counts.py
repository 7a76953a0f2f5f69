"""The queue runner's status counts: kept in memory, right after each change and a restart."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from mailcore.queue import QueueRunner, QueueStore
from mailcore.status import QueueStatus
from tests.queue_support import (
    LOCAL,
    Office,
    Sink,
    fast_config,
    make_office,
    message,
    smarthost,
    wait_until,
)

LATER = "later@remote.test"  # the smarthost answers 450: deferred, stays queued
GONE = "gone@remote.test"  # 550: bounced at once


def _no_disk(*args: object, **kwargs: object) -> None:
    raise AssertionError("status() touched the disk")


def status_without_disk(runner: QueueRunner) -> QueueStatus:
    """``runner.status()`` with every way of reading the queue directory made to fail."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("entries", "load", "ids"):
            patch.setattr(QueueStore, name, _no_disk)
        patch.setattr(io, "open", _no_disk)  # what pathlib's read_bytes/read_text use
        patch.setattr(os, "scandir", _no_disk)  # what glob/iterdir use
        patch.setattr(os, "listdir", _no_disk)
        return runner.status()


def on_disk(store: QueueStore) -> tuple[int, int]:
    """(messages, pending recipients) as the queue directory says."""
    entries = store.entries()
    return len(entries), sum(len(e.pending()) for e in entries)


async def enqueue(runner: QueueRunner, office: Office, name: str, rcpts: list[str]) -> str:
    return await runner.enqueue(office.spool(name, message()), LOCAL, rcpts)


async def test_counts_follow_deliveries_deferrals_bounces_and_restart(tmp_path: Path) -> None:
    """Queue 4 messages: 2 delivered, 2 deferred, 1 bounced; counts match the disk throughout."""
    sink = Sink(reject={LATER: "450 4.2.0 try again later", GONE: "550 5.1.1 no such user"})
    async with smarthost(sink) as port:
        office = make_office(fast_config(tmp_path, port))
        runner = office.runner()
        await runner.start()
        try:
            await enqueue(runner, office, "s1", ["bob@remote.test"])
            deferred = await enqueue(runner, office, "s2", [LATER])
            await enqueue(runner, office, "s3", ["carol@remote.test", LATER])
            await enqueue(runner, office, "s4", [GONE])

            def settled() -> bool:
                """Delivered, bounced (its DSN handed over and the message removed), deferred."""
                status = status_without_disk(runner)
                pending = (status["queue_length"], status["recipients_pending"])
                return (status["delivered"], status["bounced"], pending) == (2, 1, (2, 2))

            await wait_until(settled)
            status = status_without_disk(runner)
            assert status["deferred"] >= 2
            assert on_disk(runner.store) == (2, 2)
            # `pmemail queue delete` edits the disk directly: the next pass resyncs
            runner.store.delete(deferred)
            await wait_until(lambda: status_without_disk(runner)["queue_length"] == 1)
            assert status_without_disk(runner)["recipients_pending"] == 1
        finally:
            await runner.stop()
    restarted = office.runner()
    await restarted.start()  # the smarthost is gone: the pass after start only defers
    try:
        status = status_without_disk(restarted)
        assert (status["queue_length"], status["recipients_pending"]) == (1, 1)
        assert status["delivered"] == 0  # counters are since start; the queue is on disk
    finally:
        await restarted.stop()
