"""Run the doctor's checks concurrently and assemble the report.

:func:`run_checks` is the one entry point for the CLI and the TUI: it calls
``on_result`` as each check finishes, so a UI can show progress. What the
checks are and what each waits for is the table in
:mod:`netcore.checks.table`; this module starts the shared probes once,
walks that table and bounds every check by ``network.check_timeout``.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from netcore.checks.failure_words import (
    asked,
    crash_message_id,
    describe_error,
    error_message_id,
    timeout_finding,
    timeout_message_id,
)
from netcore.checks.result import STATUS_ORDER, CheckResult
from netcore.checks.router_probe import RouterView, probe_router
from netcore.checks.subscription import subscription_result, subscription_verdict
from netcore.checks.table import REPORT_ORDER, CheckRow, Shared, check_table
from netcore.checks.threads import in_thread
from netcore.checks.verdict_messages import Msg
from netcore.echo_service import PublicIpAnswers, public_ip
from netcore.ip_history import IpHistory
from netcore.isp_facts import isp_hints
from netcore.lan import LanDetectionError, LanInfo, detect_lan
from netcore.router.state import STATE_NAME, ForwardingState
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

REPORT_VERSION = 1
NO_NETWORK = "not checked: there is no network"
OnResult = Callable[[CheckResult], None]


@dataclass
class DoctorReport:
    """Everything the doctor found (see ``to_dict`` for the JSON shape)."""

    checks: list[CheckResult]
    verdict: dict[str, Any]
    lan: dict[str, Any]
    public_ip: dict[str, Any]
    router: dict[str, Any]
    seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all ok, 1 warnings, 2 failures."""
        return max((STATUS_ORDER[c.status] for c in self.checks), default=0)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON document of ``pmemail doctor --json`` (version 1)."""
        return {
            "version": REPORT_VERSION,
            "status": {0: "ok", 1: "warn", 2: "fail"}[self.exit_code],
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
            "lan": self.lan,
            "public_ip": self.public_ip,
            "router": self.router,
            "ip_history": self.history,
            "seconds": round(self.seconds, 3),
        }


class _Run:
    """One doctor run: shared probes and the checks built on them."""

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        on_result: OnResult | None,
        extra: Sequence[CheckRow] = (),
    ) -> None:
        self.config, self.paths, self.on_result = config, paths, on_result
        self.extra = tuple(extra)
        self.net = config.network
        self.results: list[CheckResult] = []
        self.lan = LanInfo("", "")
        self.lan_error: Msg | None = None

    def _emit(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(result)
        return result

    async def guarded(self, cid: str, title: str, make: Callable[[], Any]) -> CheckResult:
        """Run one check under ``check_timeout``; a crash or an overrun is a result too."""
        start = time.monotonic()
        try:
            result: CheckResult = await asyncio.wait_for(make(), self.net.check_timeout)
        except TimeoutError:
            result = CheckResult(
                cid,
                title,
                "fail",
                timeout_finding(cid, self.net.check_timeout),
                {"asked": asked(cid)},
                "this check says nothing yet: check the network, or raise "
                "network.check_timeout if it is slow",
                time.monotonic() - start,
                Msg(timeout_message_id(cid), {"seconds": f"{self.net.check_timeout:g}"}),
                (Msg("adv.timeout"),),
            )
        except Exception as exc:  # one broken check must not hide the others
            whom = asked(cid)
            error = Msg(*error_message_id(exc))
            result = CheckResult(
                cid,
                title,
                "fail",
                (f"asking {whom}: " if whom else "") + describe_error(exc),
                {"error": type(exc).__name__, "error_text": str(exc)[:200], "asked": whom},
                "",
                time.monotonic() - start,
                Msg(crash_message_id(cid), parts={"error": error}),
            )
        return self._emit(result)

    def _start_probes(self) -> Shared:
        """Start the router probe, the echo services and the history line they feed."""
        net = self.net
        facts = isp_hints(self.config)
        router_f = asyncio.ensure_future(
            in_thread(
                functools.partial(
                    probe_router,
                    self.lan.gateway,
                    discover_s=net.upnp_discover_ms / 1000,
                    natpmp_s=net.natpmp_timeout,
                    http_s=net.http_timeout,
                    state_dir=self.paths.state,
                )
            )
        )
        started = time.monotonic()
        pub_f = asyncio.ensure_future(in_thread(public_ip, net.echo_url, net.http_timeout))
        history = IpHistory(self.paths.state)

        async def observe() -> None:
            # one history line per run, before nat/ip_kind read it
            view: RouterView = await asyncio.shield(router_f)
            answers: PublicIpAnswers = await asyncio.shield(pub_f)
            await in_thread(history.record, answers.address, view.external_ip)

        recorded = asyncio.ensure_future(observe())
        return Shared(self.config, self.lan, facts, history, started, router_f, pub_f, recorded)

    def _job(self, row: CheckRow, shared: Shared) -> Callable[[], Awaitable[CheckResult]]:
        """What ``guarded`` awaits for ``row``: its needs, then its function."""
        if not row.needs:
            # handed over as is: a bare thread future is cancelled at once on timeout
            return functools.partial(row.run, shared)

        async def answer() -> CheckResult:
            for need in row.needs:
                await shared.wait(need)
            return await row.run(shared)

        return answer

    def _lan_result(self) -> CheckResult:
        if self.lan_error:
            return CheckResult(
                "lan",
                "LAN",
                "fail",
                self.lan_error.english(),
                {},
                "connect this machine to the office router",
                message=self.lan_error,
                advice_messages=(Msg("adv.lan.connect"),),
            )
        lan = self.lan
        words = {"interface": lan.interface, "address": lan.address, "gateway": lan.gateway}
        return CheckResult(
            "lan",
            "LAN",
            "ok",
            f"{lan.interface} {lan.address}, gateway {lan.gateway or 'none'}",
            lan.to_dict(),
            message=Msg("find.lan.ok" if lan.gateway else "find.lan.ok_no_gateway", words),
        )

    def _offline(self, start: float) -> DoctorReport:
        """No LAN: every row is skipped at once, the verdict says there is no network."""
        self._emit(self._lan_result())
        for row in [*check_table(self.config), *self.extra]:
            details = {"skipped": "no_network"}
            message = Msg("check.no_network")
            self._emit(
                CheckResult(row.id, row.title, "skipped", NO_NETWORK, details, message=message)
            )
        verdict = subscription_verdict(self.results)
        self._emit(subscription_result(verdict))
        return DoctorReport(
            self.results,
            verdict.to_dict(),
            self.lan.to_dict(),
            {},
            {},
            time.monotonic() - start,
        )

    async def run(self) -> DoctorReport:
        """Detect the LAN, start the probes, run every row of the table, then the verdict."""
        start = time.monotonic()
        try:
            self.lan = detect_lan(self.net.interface)
        except LanDetectionError as exc:
            self.lan_error = exc.message
        if self.lan_error or not self.lan.address:
            self.lan_error = self.lan_error or Msg(
                "find.lan.no_ipv4", {"interface": self.lan.interface}
            )
            # no interface with an address and a gateway: asking the router,
            # echo services or DNS would only wait for timeouts
            return self._offline(start)
        shared = self._start_probes()
        jobs = [
            self.guarded(row.id, row.title, self._job(row, shared))
            for row in [*check_table(self.config), *self.extra]
        ]
        self._emit(self._lan_result())
        await asyncio.gather(*jobs)
        rank = {cid: i for i, cid in enumerate(REPORT_ORDER)}
        self.results.sort(key=lambda r: rank.get(r.id, len(rank)))
        verdict = subscription_verdict(
            self.results, mapped_ports(self.paths), self.lan.gateway, refused_ports(self.paths)
        )
        self._emit(subscription_result(verdict))
        router_f, pub_f = shared.router, shared.public_ip
        view = router_f.result() if router_f.done() and not router_f.exception() else None
        pub_done = pub_f.done() and not pub_f.exception()
        return DoctorReport(
            checks=self.results,
            verdict=verdict.to_dict(),
            lan=self.lan.to_dict(),
            public_ip=pub_f.result().to_dict() if pub_done else {},
            router=view.to_dict() if view else {},
            history=[vars(o) for o in shared.history.entries()[-20:]],
            seconds=time.monotonic() - start,
        )


def mapped_ports(paths: DataPaths) -> set[int]:
    """External ports the router granted to this machine and whose lease still runs.

    Read from the forwarding state (what the router answered to ``ports
    apply`` or ``serve``): the verdict compares them with reachability.
    """
    state = ForwardingState.load(paths.state / STATE_NAME)
    now = time.time()
    return {
        rec.external
        for rec in state.mappings.values()
        if rec.granted_external == rec.external and (rec.remaining(now) or rec.lease <= 0)
    }


def refused_ports(paths: DataPaths) -> set[int]:
    """External ports the router refused at the last ``ports apply`` (forwarding state)."""
    state = ForwardingState.load(paths.state / STATE_NAME)
    return {int(key.partition("/")[0]) for key in state.refused}


async def run_checks(
    config: Config,
    paths: DataPaths,
    on_result: OnResult | None = None,
    extra: Sequence[CheckRow] = (),
) -> DoctorReport:
    """Run every check concurrently; ``on_result`` is called as each one finishes.

    Args:
        config: the loaded configuration.
        paths: the data dir layout (the IP history and router URL live in ``paths.state``).
        on_result: called in the event loop's thread with each result, in
            completion order (the subscription verdict comes last).

    Returns:
        The full report; ``report.exit_code`` is 0 ok, 1 warnings, 2 failures.
    """
    return await _Run(config, paths, on_result, extra).run()
