"""Run every doctor check concurrently and assemble the report.

:func:`run_checks` is the one entry point for the CLI and the TUI: it calls
``on_result`` as each check finishes, so a UI can show progress. Blocking
work (sockets, miniupnpc, dnspython) runs in daemon threads: a check that
overruns ``network.check_timeout`` is reported as such and its thread can
never keep the process alive.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from netcore.checks.address import ip_kind_result, nat_result, public_ip_result, router_result
from netcore.checks.dns_check import dns_result
from netcore.checks.inbound import check_inbound
from netcore.checks.outbound import check_outbound_25
from netcore.checks.result import STATUS_ORDER, CheckResult
from netcore.checks.router_probe import RouterView, probe_router
from netcore.checks.subscription import subscription_result, subscription_verdict
from netcore.echo_service import PublicIpAnswers, public_ip
from netcore.ip_history import IpHistory
from netcore.ip_kind import IpKindVerdict, ip_kind_verdict, rdns_hint
from netcore.isp_facts import isp_hints
from netcore.lan import LanDetectionError, LanInfo, detect_lan
from netcore.mail_dns import look_up, make_resolver, reverse_name
from netcore.nat import nat_verdict
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

T = TypeVar("T")
REPORT_VERSION = 1
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


class _Run:
    """One doctor run: shared probes and the checks built on them."""

    def __init__(self, config: Config, paths: DataPaths, on_result: OnResult | None) -> None:
        self.config, self.paths, self.on_result = config, paths, on_result
        self.net = config.network
        self.results: list[CheckResult] = []
        self.lan = LanInfo("", "")
        self.lan_error = ""

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
                f"no answer within {self.net.check_timeout:g} s",
                {},
                "raise network.check_timeout or check the network",
                time.monotonic() - start,
            )
        except Exception as exc:  # one broken check must not hide the others
            result = CheckResult(
                cid,
                title,
                "fail",
                f"check failed: {exc}",
                {"error": type(exc).__name__},
                "",
                time.monotonic() - start,
            )
        return self._emit(result)

    async def run(self) -> DoctorReport:
        start = time.monotonic()
        net = self.net
        try:
            self.lan = detect_lan(net.interface)
        except LanDetectionError as exc:
            self.lan_error = str(exc)
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
        t0 = time.monotonic()
        pub_f = asyncio.ensure_future(in_thread(public_ip, net.echo_url, net.http_timeout))
        history = IpHistory(self.paths.state)

        async def observe() -> None:
            # one history line per run, before nat/ip_kind read it
            view: RouterView = await asyncio.shield(router_f)
            answers: PublicIpAnswers = await asyncio.shield(pub_f)
            await in_thread(history.record, answers.address, view.external_ip)

        observed = asyncio.ensure_future(observe())

        async def router() -> CheckResult:
            return router_result(await asyncio.shield(router_f), self.lan.gateway)

        async def pub() -> CheckResult:
            return public_ip_result(await asyncio.shield(pub_f), time.monotonic() - t0)

        async def nat() -> CheckResult:
            view: RouterView = await asyncio.shield(router_f)
            answers: PublicIpAnswers = await asyncio.shield(pub_f)
            await asyncio.shield(observed)
            v = nat_verdict(self.lan.address, view.found, view.external_ip, answers.address)
            return nat_result(v, time.monotonic() - t0)

        async def ip_kind() -> CheckResult:
            answers: PublicIpAnswers = await asyncio.shield(pub_f)
            await asyncio.shield(observed)
            name, err = "", ""
            if answers.address:
                res = make_resolver(net.resolver, net.dns_timeout)
                try:
                    name = await in_thread(reverse_name, res, answers.address)
                except Exception as exc:  # DNS failure: no hint, said in details
                    err = str(exc) or type(exc).__name__
            entries = history.entries()
            span = entries[-1].last_seen - entries[0].first_seen if entries else 0.0
            v = ip_kind_verdict(
                changes=history.changes(),
                observations=len(entries),
                span_s=span,
                admin=self.config.isp.fixed_ip,
                profile_fixed=None,
                rdns=rdns_hint(name, answers.address),
            )
            if facts.fixed_needs_pro and v.kind != "fixed":
                v = IpKindVerdict(
                    v.kind,
                    [
                        *v.reasons,
                        f"the {facts.name} profile says a fixed address needs a professional plan",
                    ],
                    v.advice,
                )
            return ip_kind_result(
                v,
                {"ptr": name, "ptr_error": err, "history_changes": history.changes()},
                time.monotonic() - t0,
            )

        async def dns() -> CheckResult:
            answers: PublicIpAnswers = await asyncio.shield(pub_f)
            mail = self.config.mail
            if not answers.address:
                return CheckResult(
                    "dns", "DNS", "skipped", "public address unknown: DNS not checked"
                )
            res = make_resolver(net.resolver, net.dns_timeout)
            found = await in_thread(look_up, res, mail.domain, answers.address)
            return dns_result(
                mail.domain, mail.hostname, answers.address, found, time.monotonic() - t0
            )

        async def out25() -> CheckResult:
            return await in_thread(check_outbound_25, net.port25_probes, net.connect_timeout, facts)

        jobs = [
            self.guarded("router", "Router", router),
            self.guarded("public_ip", "Public address", pub),
            self.guarded("nat", "NAT", nat),
            self.guarded("ip_kind", "Fixed or dynamic address", ip_kind),
            self.guarded("dns", "DNS", dns),
            self.guarded("outbound_25", "Outbound port 25", out25),
        ]
        for name, mapping in self.config.ports.items():
            if mapping.enabled:
                jobs.append(
                    self.guarded(
                        f"inbound.{name}",
                        f"Inbound {mapping.external}",
                        functools.partial(
                            in_thread, check_inbound, name, mapping, net.echo_url, net.http_timeout
                        ),
                    )
                )
        if self.lan_error:
            self._emit(
                CheckResult(
                    "lan",
                    "LAN",
                    "fail",
                    self.lan_error,
                    {},
                    "connect this machine to the office router",
                )
            )
        else:
            self._emit(
                CheckResult(
                    "lan",
                    "LAN",
                    "ok",
                    f"{self.lan.interface} {self.lan.address}, "
                    f"gateway {self.lan.gateway or 'none'}",
                    self.lan.to_dict(),
                )
            )
        await asyncio.gather(*jobs)
        order = ["lan", "router", "public_ip", "nat", "ip_kind", "outbound_25", "dns"]
        self.results.sort(key=lambda r: order.index(r.id) if r.id in order else len(order))
        verdict = subscription_verdict(self.results)
        self._emit(subscription_result(verdict))
        view = router_f.result() if router_f.done() and not router_f.exception() else None
        pub_done = pub_f.done() and not pub_f.exception()
        return DoctorReport(
            checks=self.results,
            verdict=verdict.to_dict(),
            lan=self.lan.to_dict(),
            public_ip=pub_f.result().to_dict() if pub_done else {},
            router=view.to_dict() if view else {},
            history=[vars(o) for o in history.entries()[-20:]],
            seconds=time.monotonic() - start,
        )


async def run_checks(
    config: Config, paths: DataPaths, on_result: OnResult | None = None
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
    return await _Run(config, paths, on_result).run()
