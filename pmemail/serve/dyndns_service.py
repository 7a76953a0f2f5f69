"""Dynamic DNS while ``pmemail serve`` runs: look at the public address, update on a change.

Every ``dyndns.interval`` seconds the echo services (``network.echo_url``)
are asked for the public address, beside the one the router monitor last
read from the router; the observation goes into the IP history (the
evidence the fixed-or-dynamic verdict reads, so ``enabled = "auto"`` learns
of a change here too). When updates are wanted (:func:`not_wanted_reason`),
``netcore.dyndns.updater`` sends the address if it changed. The requests
block, so they run in a worker thread. Scheduled only when ``[dyndns]`` is
filled in and not ``enabled = "no"``: otherwise nothing is asked of the
internet; the status document's ``dyndns`` key shows the saved state either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from mailcore.periodic import PeriodicTask
from mailcore.status import DyndnsStatus
from netcore.addresses import is_routable_for_us
from netcore.dyndns.settings import DyndnsSettings, not_wanted_reason
from netcore.dyndns.updater import DyndnsUpdater, UpdateResult
from netcore.ip_history import IpHistory
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger(__name__)


class DyndnsService:
    """``mailcore.interfaces.Service``: the periodic look and update."""

    name = "dyndns"

    def __init__(
        self, config: Config, paths: DataPaths, router: Callable[[], str] | None = None
    ) -> None:
        """Args:
        config: the whole config (``[dyndns]``, ``network.echo_url``, ``isp.fixed_ip``).
        paths: the data dir (the IP history and ``state/dyndns.json``).
        router: the router monitor's last public address ("" unknown), if it runs.
        """
        self.config = config
        self.paths = paths
        self.router = router
        self.history = IpHistory(paths.state)
        self.updater = DyndnsUpdater(DyndnsSettings.from_config(config), paths.state)
        self.address = ""
        self.checked_at: float | None = None
        # the router's address when the echo services last answered (None: never)
        self._router_at_echo: str | None = None
        self._periodic = PeriodicTask(
            self.check, lambda: self.config.dyndns.interval, "dyndns", on_error=self._failed
        )

    async def start(self) -> None:
        """Start looking (the first look runs at once, in the background)."""
        self._periodic.start()

    async def stop(self) -> None:
        """Stop looking; the state file keeps what was sent."""
        await self._periodic.stop()

    def status(self) -> DyndnsStatus:
        """The ``dyndns`` key of the status document."""
        return dyndns_status(self.config, self.paths, self.address, self.checked_at)

    async def check(self) -> UpdateResult | None:
        """One look and, when wanted and changed, one update (None: not wanted)."""
        address = await asyncio.to_thread(self.look)
        if not_wanted_reason(self.config, self.history):
            return None
        result = await asyncio.to_thread(self.updater.update, address)
        if result.action == "sent":
            _log_result(result)
        return result

    def look(self) -> str:
        """The public address now ("" unknown), recorded in the IP history."""
        from netcore.echo_service import public_ip  # requests: only once updates run

        net = self.config.network
        seen = public_ip(net.echo_url, net.http_timeout).address
        reported = self.router() if self.router is not None else ""
        self.history.record(seen, reported)
        if seen:
            self._router_at_echo = reported
        # What the outside sees first. Else the router's own address, if routable
        # and read since the outside last answered: the monitor reads it only every
        # network.monitor_interval, so an older reading may predate a change the
        # echo services saw, and sending it would put the record back on the old address.
        newer = reported != self._router_at_echo
        address = seen or (reported if newer and is_routable_for_us(reported) else "")
        self.address, self.checked_at = address, time.time()
        return address

    def _failed(self, err: Exception) -> None:
        # the mail must flow whatever the state dir or the provider does
        log.warning("dynamic DNS check failed: %s: %s", type(err).__name__, err)


def _log_result(result: UpdateResult) -> None:
    answer = result.answer
    if answer is None:
        log.warning(
            "dynamic DNS update to %s: no answer (%s); retrying later", result.address, result.error
        )
    elif answer.verdict == "done":
        log.info("dynamic DNS updated to %s (%s)", result.address, answer.code)
    elif answer.verdict == "stop":
        log.error(
            "dynamic DNS provider refused the settings (%s): no more updates until "
            "[dyndns] changes",
            answer.code,
        )
    else:
        log.warning("dynamic DNS update to %s: %s; retrying later", result.address, answer.code)


def dyndns_status(
    config: Config, paths: DataPaths, address: str = "", checked_at: float | None = None
) -> DyndnsStatus:
    """The ``dyndns`` status document from the config and the saved state.

    Args:
        address: the public address at the last look ("" unknown or not looked).
        checked_at: when that look was (None: none by this process).
    """
    settings = DyndnsSettings.from_config(config)
    state = DyndnsUpdater(settings, paths.state).state()
    reason = not_wanted_reason(config, IpHistory(paths.state))
    return {
        "enabled": config.dyndns.enabled,
        "provider": settings.provider,
        "hostname": settings.hostname,
        "wanted": not reason,
        "reason": reason,
        "address": address,
        "checked_at": checked_at,
        "sent_address": state.sent_address,
        "last_answer": state.last_answer,
        "last_attempt": state.last_attempt,
        "last_success": state.last_success,
        "next_try": state.next_try or None,
        "failures": state.failures,
        "stopped": state.stopped,
        "last_error": state.last_error,
    }


def build_dyndns(
    config: Config, paths: DataPaths, router: Callable[[], str] | None
) -> DyndnsService | None:
    """The service, or None when ``[dyndns]`` is off or not filled in."""
    if config.dyndns.enabled == "no" or not DyndnsSettings.from_config(config).complete:
        return None
    return DyndnsService(config, paths, router)
