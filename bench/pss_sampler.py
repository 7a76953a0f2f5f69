"""Peak proportional set size of a process tree while something runs.

VmHWM (:func:`method.peak_rss`) only grows for the life of a process, so it
cannot tell which of several steps made a server big without a restart
between them. Sampling :func:`method.pss_tree` from a thread during one step
gives that step's own peak, without restarting the server.
"""

from __future__ import annotations

import threading
from types import TracebackType

from bench.method import pss_tree

PERIOD = 0.05  # seconds between samples: a 100 MB buffer lives far longer than this


class PeakPss:
    """Context manager: the highest PSS of ``pid``'s tree seen while the block ran.

    A thread, not the bench's event loop, samples: the client may be busy
    reading a large response and must not delay the samples.
    """

    def __init__(self, pid: int, period: float = PERIOD) -> None:
        """Sample ``pid`` and its descendants every ``period`` seconds."""
        self.pid = pid
        self.period = period
        self.before = 0
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pss-sampler", daemon=True)

    def _sample(self) -> None:
        self.peak = max(self.peak, pss_tree(self.pid))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self._sample()

    def __enter__(self) -> PeakPss:
        self.before = pss_tree(self.pid)
        self.peak = self.before
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # the state at the end counts too
