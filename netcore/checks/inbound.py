"""Inbound reachability: can the internet reach each port of the plan?

The question goes to the echo service (``/port/N``), which connects back
from outside. Never conclude from inside the office: routers do not loop
traffic to their own public address back into the LAN.
"""

from __future__ import annotations

import time

from netcore.checks.result import CheckResult
from netcore.checks.verdict_messages import Msg
from netcore.echo_service import port_reachable
from pmemail.config.model import PortMapping


def check_inbound(name: str, mapping: PortMapping, urls: list[str], timeout: float) -> CheckResult:
    """Ask the echo services whether ``mapping.external`` is reachable.

    Args:
        name: the plan entry (``smtp``, ``imap``, ...): the check id is ``inbound.NAME``.
        mapping: the port plan entry.
        urls: ``network.echo_url``.
        timeout: ``network.http_timeout``.
    """
    start = time.monotonic()
    port = mapping.external
    title = Msg(
        "title.inbound_port", {"port": str(port), "protocol": mapping.protocol, "name": name}
    ).english()
    details: dict[str, object] = {
        "name": name,
        "external": port,
        "internal": mapping.internal,
        "protocol": mapping.protocol,
        "low_port": port < 1024,
    }
    if mapping.protocol != "TCP":
        return CheckResult(
            f"inbound.{name}",
            title,
            "skipped",
            "only TCP can be probed from outside",
            details,
            message=Msg("check.inbound.udp"),
        )
    reachable, source = port_reachable(urls, port, timeout)
    details["reachable"] = reachable
    details["source"] = source
    secs = time.monotonic() - start
    if reachable is None:
        return CheckResult(
            f"inbound.{name}",
            title,
            "warn",
            f"no echo service could test port {port}: {source}",
            details,
            "check network.echo_url",
            secs,
            Msg("check.inbound.no_echo", {"port": str(port)}),
        )
    if reachable:
        return CheckResult(
            f"inbound.{name}",
            title,
            "ok",
            f"port {port} is reachable from the internet",
            details,
            "",
            secs,
            Msg("check.inbound.reachable", {"port": str(port)}),
        )
    return CheckResult(
        f"inbound.{name}",
        title,
        "warn",
        f"port {port} is not reachable from the internet",
        details,
        "forward it (`pmemail ports apply`) and start the service; if it stays unreachable "
        "once forwarded, the ISP filters it"
        + (" (common for ports below 1024 on consumer plans)" if port < 1024 else ""),
        secs,
        Msg("check.inbound.unreachable", {"port": str(port)}),
    )
