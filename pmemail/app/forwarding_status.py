"""Which ports of the plan the router holds, and the plan to type by hand (read-only).

Nothing here changes the router. The router clients (miniupnpc) and the
router profiles are imported by the functions that use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pmemail.app.action_result import ActionError
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.router.upnp import RouterMapping

# build_plan wants an IPv4 address for this machine; when it is unknown the
# manual table names the host in words instead (TEST-NET-1: never a real host)
_STAND_IN_HOST = "192.0.2.0"


@dataclass(frozen=True)
class PortPresence:
    """One enabled port of the plan and whether the router's table has it."""

    name: str  # the plan's entry: "smtp", "imap" ...
    external: int
    protocol: str  # "tcp" | "udp", as in the config
    present: bool  # the table maps this port and protocol (whoever made the mapping)


def presence(config: Config, rows: Iterable[RouterMapping]) -> list[PortPresence]:
    """Each enabled port of the plan, looked up in the router's table ``rows``."""
    held = {(r.external, r.protocol.upper()) for r in rows}
    return [
        PortPresence(name, m.external, m.protocol, (m.external, m.protocol.upper()) in held)
        for name, m in config.ports.items()
        if m.enabled
    ]


def ports_on_router(config: Config, paths: DataPaths) -> list[PortPresence]:
    """Read the router's UPnP table and compare it with the plan (blocking).

    Raises:
        ActionError: the table cannot be read; the message is the reason alone.
    """
    from netcore.forwarding import Forwarder
    from netcore.plan import PlanError
    from netcore.router.errors import RouterError

    try:
        rows, _others = Forwarder(config, paths).table()
    except (RouterError, PlanError, OSError) as err:
        msg = err.msg if isinstance(err, (RouterError, PlanError)) else None
        raise ActionError.said("forward.reason", reason=msg or str(err)) from None
    return presence(config, rows)


def manual_steps(config: Config, lan_ip: str, this_computer: str) -> list[str]:
    """The whole plan as rules to add by hand, then the router profile's steps.

    For when no router answers at all. ``lan_ip`` is this machine's LAN
    address, "" when not known: the table then says ``this_computer``.

    Raises:
        ActionError: the plan cannot be built (a bad address in the config ...).
    """
    from netcore.forwarding_report import manual_document, next_steps_lines, router_profile
    from netcore.plan import PlanError, build_plan, default_gateway
    from pmemail.app.verdict_texts import sayer

    try:
        plan = build_plan(config, lan_ip or _STAND_IN_HOST)
    except PlanError as err:
        raise ActionError.said("forward.reason", reason=err.msg) from None
    profile = router_profile(config.isp.profile, config.isp.router_profile)
    manual = manual_document(plan, profile, default_gateway() or "")
    for row in manual["table"]:
        if row["internal_host"] == _STAND_IN_HOST:
            row["internal_host"] = this_computer
    doc = {"summary": {"ok": 0, "total": len(plan)}, "manual": manual}
    return next_steps_lines(manual_in_language(doc, config.language), sayer(config.language))


def manual_in_language(doc: dict[str, Any], language: str) -> dict[str, Any]:
    """``doc`` (``forwarding_document``) with its profile's menu and steps in ``language``.

    The document itself keeps the English (it is the ``--json`` answer); this
    copy is for the lines the admin reads. A profile that cannot be read again
    leaves the English.
    """
    from netcore.forwarding_report import localize_step
    from netcore.profiles import ProfileError, load_profile

    manual = doc.get("manual") or {}
    if language == "en" or not manual.get("profile"):
        return doc
    try:
        facts = load_profile(str(manual["profile"])).forwarding
    except ProfileError:
        return doc
    gateway = str(manual.get("gateway", ""))
    worded = {
        **manual,
        "menu_path": facts.menu_in(language),
        "steps": [localize_step(step, gateway) for step in facts.steps_in(language)],
    }
    return {**doc, "manual": worded}


def off_lan_target(config: Config, host: str) -> tuple[str, list[str]] | None:
    """``(subnet, machines seen on it)`` when ``host`` is not on this office's LAN.

    None when it is on the LAN, or when the LAN cannot be told (no network):
    the wizard's ports step then keeps the address as typed.
    """
    import ipaddress

    from netcore.lan import LanDetectionError, detect_lan, lan_network, neighbours

    try:
        info = detect_lan(config.network.interface.strip())
        address = ipaddress.IPv4Address(host)
    except (LanDetectionError, ValueError):
        return None
    network = lan_network(info)
    if network is None or network.is_loopback or address in network:
        return None  # a loopback "LAN" (tests, a demo) says nothing about the office
    return str(network), [a for a in neighbours(network) if a != info.address][:5]


@dataclass(frozen=True)
class MonitorEvent:
    """One event of the running server's router monitor, worded for the admin."""

    at: float  # Unix time of the check that saw it
    text: str  # the sentence in the requested language


def monitor_events(services: Iterable[Mapping[str, Any]], language: str) -> list[MonitorEvent]:
    """The router monitor's last events (oldest first) in ``language``.

    ``services`` is the ``services`` list of ``pmemail serve``'s status; the
    monitor (``pmemail.serve.router_monitor``) keeps its events as forwarding
    message ids, so the log file stays English while the admin reads them here
    in the configured language. Empty when the monitor is off or saw nothing.
    """
    from pmemail.app.verdict_texts import word

    for service in services:
        if service.get("name") != "router":
            continue
        events = service.get("events")
        if not isinstance(events, list):
            return []
        return [
            MonitorEvent(float(e.get("at") or 0), word(e, language))
            for e in events
            if isinstance(e, Mapping)
        ]
    return []


def monitor_event_text(event: Mapping[str, Any] | None, language: str) -> str:
    """One monitor event (``last_event``) in ``language``; "" when there is none."""
    from pmemail.app.verdict_texts import word

    return word(event, language) if isinstance(event, Mapping) and event.get("id") else ""
