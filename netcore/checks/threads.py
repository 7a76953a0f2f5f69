"""Blocking work (sockets, miniupnpc, dnspython) as an awaitable in a daemon thread.

A daemon thread, not the loop's executor: a check that overruns
``network.check_timeout`` is abandoned, and its thread can never keep the
process alive.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def in_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run ``fn(*args)`` in a daemon thread; an awaitable for its result."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def settle(value: Any, exc: BaseException | None) -> None:
        if fut.done():
            return  # timed out and abandoned
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(value)

    def work() -> None:
        try:
            value, exc = fn(*args), None
        except BaseException as err:  # handed to the awaiting coroutine
            value, exc = None, err
        try:
            loop.call_soon_threadsafe(settle, value, exc)
        except RuntimeError:
            pass  # the loop is gone: nobody waits any more

    threading.Thread(target=work, daemon=True, name=getattr(fn, "__name__", "check")).start()
    return fut
