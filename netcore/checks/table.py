"""The doctor's checks as a table: what each one answers and what it waits for.

Each :class:`CheckRow` names a check (its ``id`` is part of the JSON
interface of ``pmemail doctor --json``), the function that answers it and the
shared probes it needs. The runner (:mod:`netcore.checks.runner`) starts the
probes once, then runs every row at the same time: it waits for the row's
needs, then calls its function, the whole bounded by
``network.check_timeout``. The LAN is detected before any row starts, so
every function may read it without declaring it.

The report lists the checks in :data:`REPORT_ORDER`; the ``inbound.*`` rows,
one per enabled port of the plan, come after them in the order they finish.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from netcore.checks.address import ip_kind_result, nat_result, public_ip_result, router_result
from netcore.checks.dns_check import dns_result
from netcore.checks.inbound import check_inbound
from netcore.checks.outbound import check_outbound_25
from netcore.checks.result import CheckResult
from netcore.checks.router_probe import RouterView
from netcore.checks.threads import in_thread
from netcore.checks.verdict_messages import Msg
from netcore.dns_records import mail_auth
from netcore.echo_service import PublicIpAnswers
from netcore.hops import second_hop
from netcore.ip_history import IpHistory
from netcore.ip_kind import ip_kind_verdict, rdns_hint
from netcore.isp_facts import IspHints
from netcore.lan import LanInfo
from netcore.mail_dns import look_up, make_resolver, reverse_name
from netcore.nat import nat_verdict
from pmemail.config.model import Config, PortMapping

Need = Literal["router", "public_ip", "history"]
"""A shared probe a check waits for: the router probe (UPnP, NAT-PMP), the
echo services' answer (our public address), or this run's line in the IP
history (written once both are known, so that nat and ip_kind read it)."""


@dataclass
class Shared:
    """One run's inputs: the config, the LAN, and the probes the checks share."""

    config: Config
    lan: LanInfo
    facts: IspHints
    history: IpHistory
    started: float  # when the shared probes started: a check's seconds count from here
    router: asyncio.Future[RouterView]
    public_ip: asyncio.Future[PublicIpAnswers]
    recorded: asyncio.Future[None]

    async def wait(self, need: Need) -> None:
        """Wait for one shared probe; its error becomes the waiting check's."""
        probe: dict[Need, asyncio.Future[Any]] = {
            "router": self.router,
            "public_ip": self.public_ip,
            "history": self.recorded,
        }
        # shielded: a check that times out must not cancel a probe others wait for
        await asyncio.shield(probe[need])

    @property
    def view(self) -> RouterView:
        """The router probe's answer (for a row that needs ``router``)."""
        return self.router.result()

    @property
    def answers(self) -> PublicIpAnswers:
        """The echo services' answer (for a row that needs ``public_ip``)."""
        return self.public_ip.result()

    def seconds(self) -> float:
        """Seconds since the shared probes started."""
        return time.monotonic() - self.started


@dataclass(frozen=True)
class CheckRow:
    """One check: its stable id and title, its function, what it waits for.

    ``run`` may read only the probes named in ``needs``: the answer of one
    it did not wait for is not there yet (``InvalidStateError``, a failed check).
    """

    id: str
    title: str
    run: Callable[[Shared], Awaitable[CheckResult]]
    needs: tuple[Need, ...] = ()


async def _router(s: Shared) -> CheckResult:
    return router_result(s.view, s.lan.gateway)


async def _public_ip(s: Shared) -> CheckResult:
    return public_ip_result(s.answers, s.seconds())


async def _nat(s: Shared) -> CheckResult:
    verdict = nat_verdict(s.lan.address, s.view.found, s.view.external_ip, s.answers.address)
    return nat_result(verdict, s.seconds(), await _upstream_hop(s))


HOP_TIMEOUT_MAX = 2.0
"""Seconds the hop probe waits at most (it only sharpens the verdict's advice)."""


async def _upstream_hop(s: Shared) -> str:
    """The box past the router, toward the first echo service ("" when unknown).

    The router and a modem in router mode both NAT: the second hop's address
    is the only place the modem shows when the router learned the public
    address by STUN.  Best effort: any failure is "unknown", never a failed check.
    """
    hosts = [urlsplit(url).hostname for url in s.config.network.echo_url]
    host = next((h for h in hosts if h), None)
    if host is None or not s.lan.gateway:
        return ""
    wait = min(s.config.network.connect_timeout, HOP_TIMEOUT_MAX)
    try:
        # a name the resolver never answers must not hold the nat check
        return await asyncio.wait_for(in_thread(second_hop, host, wait), wait + 0.5)
    except (OSError, TimeoutError):
        return ""


async def _ip_kind(s: Shared) -> CheckResult:
    net, address, history = s.config.network, s.answers.address, s.history
    name, err = "", ""
    if address:
        res = make_resolver(net.resolver, net.dns_timeout)
        try:
            name = await in_thread(reverse_name, res, address)
        except Exception as exc:  # DNS failure: no hint, said in details
            err = str(exc) or type(exc).__name__
    entries = history.entries()
    span = entries[-1].last_seen - entries[0].first_seen if entries else 0.0
    v = ip_kind_verdict(
        changes=history.changes(),
        observations=len(entries),
        span_s=span,
        admin=s.config.isp.fixed_ip,
        profile_fixed=None,
        rdns=rdns_hint(name, address),
    )
    if s.facts.fixed_needs_pro and v.kind != "fixed":
        v = v.adding(Msg("ipk.pro_plan", {"profile": s.facts.name}))
    return ip_kind_result(
        v, {"ptr": name, "ptr_error": err, "history_changes": history.changes()}, s.seconds()
    )


async def _outbound_25(s: Shared) -> CheckResult:
    net = s.config.network
    return await in_thread(check_outbound_25, net.port25_probes, net.connect_timeout, s.facts)


async def _dns(s: Shared) -> CheckResult:
    mail, net, address = s.config.mail, s.config.network, s.answers.address
    if not address:
        skipped = Msg("find.dns.skipped")
        return CheckResult("dns", "DNS", "skipped", skipped.english(), message=skipped)
    res = make_resolver(net.resolver, net.dns_timeout)
    found = await in_thread(look_up, res, mail.domain, address)
    auth = mail_auth(s.config, s.facts.smarthost, s.facts.spf_include)
    return dns_result(mail.domain, mail.hostname, address, found, s.seconds(), auth)


CHECKS: tuple[CheckRow, ...] = (
    CheckRow("router", "Router", _router, needs=("router",)),
    CheckRow("public_ip", "Public address", _public_ip, needs=("public_ip",)),
    CheckRow("nat", "NAT", _nat, needs=("router", "public_ip", "history")),
    CheckRow("ip_kind", "Fixed or dynamic address", _ip_kind, needs=("public_ip", "history")),
    CheckRow("dns", "DNS", _dns, needs=("public_ip",)),
    CheckRow("outbound_25", "Outbound port 25", _outbound_25),
)
"""The checks every run makes, started in this order."""

REPORT_ORDER = ("lan", "router", "public_ip", "nat", "ip_kind", "outbound_25", "dns")
"""The report's order (published); ``inbound.*`` follow in the order they finished."""


def _inbound(name: str, mapping: PortMapping, s: Shared) -> asyncio.Future[CheckResult]:
    net = s.config.network
    return in_thread(check_inbound, name, mapping, net.echo_url, net.http_timeout)


def check_table(config: Config) -> list[CheckRow]:
    """Every row of one run: :data:`CHECKS`, then one per enabled port of the plan."""
    inbound = [
        CheckRow(
            f"inbound.{name}",
            Msg("title.inbound", {"port": str(m.external)}).english(),
            functools.partial(_inbound, name, m),
        )
        for name, m in config.ports.items()
        if m.enabled
    ]
    return [*CHECKS, *inbound]
