"""One update decision, and at most one request: what ``pmemail serve`` runs each interval.

An update goes out only when the address differs from the one the provider
last accepted: providers treat repeated identical updates as abuse. After a
failure the next try waits (``dyndns.retry``, doubled each time up to an
hour; 911 and dnserr at least 30 minutes); an answer that says the settings
are wrong stops the updates until the ``[dyndns]`` settings change.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from netcore.dyndns.protocol import (
    PROVIDER_TROUBLE_WAIT,
    USER_AGENT,
    VERDICTS,
    Answer,
    basic_auth,
    read_answer,
    update_url,
)
from netcore.dyndns.settings import DyndnsSettings
from netcore.dyndns.state import FILE_NAME, DyndnsState
from pmemail.fsutil import exclusive_lock

Action = Literal["sent", "no_address", "unchanged", "stopped", "waiting"]
"""sent: a request went out (its answer in the result); the others say why not."""

MAX_BACKOFF = 3600.0
"""The longest ordinary wait after failures (a larger ``dyndns.retry`` still wins)."""

MAX_ANSWER = 4096  # one line per host; anything longer is not a dyndns2 answer

Fetch = Callable[[str, float, int, Mapping[str, str], str], tuple[int, str, bytes]]
"""(url, timeout, max bytes, headers, CA file) -> (status, reason, body)."""


@dataclass(frozen=True)
class UpdateResult:
    """What one call did.

    Attributes:
        action: what happened (see :data:`Action`).
        address: the address it was about.
        answer: the provider's answer when a request was sent and answered.
        error: the network failure when a request was sent and not answered.
        state: the state after the call (already saved).
    """

    action: Action
    address: str
    state: DyndnsState
    answer: Answer | None = None
    error: str = ""


class DyndnsUpdater:
    """Decides, sends and remembers; each call reads and writes the state file."""

    def __init__(
        self,
        settings: DyndnsSettings,
        state_dir: Path,
        clock: Callable[[], float] = time.time,
        fetch: Fetch | None = None,
    ) -> None:
        """Args:
        settings: the resolved ``[dyndns]`` table.
        state_dir: ``DataPaths.state`` (the file is ``dyndns.json``).
        clock: epoch seconds (tests).
        fetch: the HTTP GET (``netcore.http_fetch.fetch_answer`` by default).
        """
        self.settings = settings
        self.path = state_dir / FILE_NAME
        self.clock = clock
        self.fetch: Fetch = fetch or _fetch_answer

    def state(self) -> DyndnsState:
        """The saved state as this updater's settings see it (a settings change resets it)."""
        return self._current(DyndnsState.load(self.path))

    def _current(self, saved: DyndnsState) -> DyndnsState:
        fingerprint = self.settings.fingerprint()
        if saved.settings == fingerprint:
            return dataclasses.replace(saved)  # a copy: ``saved`` tells whether to write
        # new name, server or credentials: the old answers say nothing about them
        return DyndnsState(settings=fingerprint, last_success=saved.last_success)

    def update(self, address: str, *, force: bool = False) -> UpdateResult:
        """Send ``address`` if it is due.

        Args:
            address: the public IPv4 address now ("" unknown: nothing is sent).
            force: send even when the provider already has this address, or
                while an ordinary back-off runs (``pmemail dyndns update``);
                never after a refusal of the settings or during the
                provider's own 30-minute wait.
        """
        # One decision at a time: ``pmemail dyndns update`` beside a running
        # serve must not send twice or lose the other's answer.
        with exclusive_lock(self.path.with_suffix(".lock")):
            return self._update(address, force)

    def _update(self, address: str, force: bool) -> UpdateResult:
        from netcore.http_fetch import FetchError

        saved = DyndnsState.load(self.path)
        state, now = self._current(saved), self.clock()
        action = self._decide(state, address, now, force)
        if action != "sent":
            if state != saved:  # a settings change; else no write every interval
                state.save(self.path)
            return UpdateResult(action, address, state)
        s = self.settings
        url = update_url(s.provider, s.server, s.hostname, address, s.password)
        headers = {"User-Agent": USER_AGENT}
        if s.provider != "duckdns":
            headers |= basic_auth(s.username, s.password)
        state.last_attempt = now
        try:
            status, _reason, body = self.fetch(url, s.timeout, MAX_ANSWER, headers, s.ca_file)
        except FetchError as exc:
            state.last_error = str(exc) or type(exc).__name__
            self._back_off(state, now, 0.0)
            state.save(self.path)
            return UpdateResult("sent", address, state, error=state.last_error)
        answer = read_answer(status, body)
        self._apply(state, answer, address, now)
        state.save(self.path)
        return UpdateResult("sent", address, state, answer)

    @staticmethod
    def _decide(state: DyndnsState, address: str, now: float, force: bool) -> Action:
        if not address:
            return "no_address"
        if state.stopped:
            return "stopped"
        if now < state.next_try:
            provider_wait = VERDICTS.get(state.last_answer) == "wait"
            if provider_wait or not force:
                return "waiting"
        if address == state.sent_address and not force:
            return "unchanged"
        return "sent"

    def _apply(self, state: DyndnsState, answer: Answer, address: str, now: float) -> None:
        state.last_answer, state.last_error = answer.code, ""
        if answer.verdict == "done":
            state.sent_address, state.last_success = address, now
            state.failures, state.next_try, state.stopped = 0, 0.0, False
        elif answer.verdict == "stop":
            state.stopped, state.next_try = True, 0.0
            state.failures += 1
        elif answer.verdict == "wait":
            self._back_off(state, now, PROVIDER_TROUBLE_WAIT)
        else:
            self._back_off(state, now, 0.0)

    def _back_off(self, state: DyndnsState, now: float, at_least: float) -> None:
        state.failures += 1
        retry = self.settings.retry
        doubled = retry * 2 ** min(state.failures - 1, 32)  # bounded: no float overflow
        delay = max(retry, min(doubled, MAX_BACKOFF))
        state.next_try = now + max(delay, at_least)


def _fetch_answer(
    url: str, timeout: float, max_bytes: int, headers: Mapping[str, str], ca_file: str
) -> tuple[int, str, bytes]:
    """``netcore.http_fetch.fetch_answer``, imported on the first update only.

    ``pmemail serve`` reads this module for its status even with dynamic DNS
    off; the HTTP client (requests) costs memory it then never needs.
    """
    from netcore.http_fetch import fetch_answer

    return fetch_answer(url, timeout, max_bytes, headers, ca_file=ca_file)
