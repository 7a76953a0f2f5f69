"""A coroutine run now and then every N seconds, woken early on demand, stopped cleanly.

The background loops of ``pmemail serve`` (the queue runner, the POP
collector, the router monitor) all have this shape; each service keeps its
own counters and error handling in the job it passes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

Job = Callable[[], Awaitable[object]]


class PeriodicTask:
    """Runs ``job`` at once, then again ``interval`` seconds after each run ends.

    :meth:`wake` starts the next run without waiting for the interval (e.g.
    a message was just queued). The interval is read before every wait, so a
    callable can follow a config value that tests shrink.
    """

    def __init__(
        self,
        job: Job,
        interval: float | Callable[[], float],
        name: str,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Prepare the loop; nothing runs before :meth:`start`.

        Args:
            job: the coroutine function run each time.
            interval: seconds between the end of a run and the next, or a
                function returning them.
            name: the asyncio task's name (shows in debug output).
            on_error: called with an exception ``job`` raised, and the loop
                goes on; without it such an exception ends the loop.
        """
        self._job = job
        self._interval = interval
        self._name = name
        self._on_error = on_error
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        """Whether the loop was started and not stopped."""
        return self._task is not None

    def start(self) -> None:
        """Start the loop in the running event loop (the first run is immediate)."""
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self._name)

    def wake(self) -> None:
        """Run the job now instead of at the end of the current wait."""
        self._wake.set()

    async def stop(self) -> None:
        """Cancel the loop (a run in progress is interrupted) and wait for it to end."""
        if self._task is not None:
            # The flag as well as cancel(): on Python 3.11 a cancellation that
            # lands while a wait completes can be swallowed, and the loop
            # would then run on and this await never return.
            self._stopping = True
            self._wake.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _seconds(self) -> float:
        return self._interval() if callable(self._interval) else self._interval

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()  # a wake-up during the run is served by this run
            try:
                await self._job()
            except Exception as err:
                if self._on_error is None:
                    raise
                self._on_error(err)
            if self._stopping:
                return
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._seconds()):
                    await self._wake.wait()
