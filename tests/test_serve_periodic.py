"""mailcore.periodic.PeriodicTask: the loop of the queue, the collector and the router monitor."""

from __future__ import annotations

import asyncio

from mailcore.periodic import PeriodicTask


async def test_first_run_at_once_then_wake_runs_again() -> None:
    """The job runs on start; wake() runs it again long before the interval."""
    runs: list[int] = []
    ran = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs))
        ran.set()

    task = PeriodicTask(job, 3600, "test")
    task.start()
    await asyncio.wait_for(ran.wait(), 5)
    ran.clear()
    task.wake()
    await asyncio.wait_for(ran.wait(), 5)
    await task.stop()
    assert runs == [0, 1]
    assert not task.running


async def test_on_error_keeps_the_loop_alive() -> None:
    """A failing run is reported and the next run still happens."""
    errors: list[str] = []
    second = asyncio.Event()

    async def job() -> None:
        if not errors:
            raise RuntimeError("boom")
        second.set()

    task = PeriodicTask(job, lambda: 0.0, "test", on_error=lambda e: errors.append(str(e)))
    task.start()
    await asyncio.wait_for(second.wait(), 5)
    await task.stop()
    assert errors == ["boom"]


async def test_stop_interrupts_a_run_and_is_idempotent() -> None:
    """stop() cancels a run in progress; a second stop() does nothing."""
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        await asyncio.sleep(3600)

    task = PeriodicTask(job, 1, "test")
    task.start()
    await asyncio.wait_for(started.wait(), 5)
    await task.stop()
    await task.stop()
    assert not task.running
