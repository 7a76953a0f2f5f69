"""Which ports of the plan the router holds, and the plan to type by hand (read-only).

Nothing here changes the router. The router clients (miniupnpc) and the
router profiles are imported by the functions that use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        raise ActionError(str(err)) from None
    return presence(config, rows)


def manual_steps(config: Config, lan_ip: str, this_computer: str) -> list[str]:
    """The whole plan as rules to add by hand, then the router profile's steps.

    For when no router answers at all. ``lan_ip`` is this machine's LAN
    address, "" when not known: the table then says ``this_computer``.

    Raises:
        ActionError: the plan cannot be built (a bad address in the config ...).
    """
    from netcore.forwarding_report import manual_document, router_profile
    from netcore.plan import PlanError, build_plan
    from pmemail.app.forward_texts import next_steps_words

    try:
        plan = build_plan(config, lan_ip or _STAND_IN_HOST)
    except PlanError as err:
        raise ActionError(str(err)) from None
    manual = manual_document(plan, router_profile(config.isp.profile, config.isp.router_profile))
    for row in manual["table"]:
        if row["internal_host"] == _STAND_IN_HOST:
            row["internal_host"] = this_computer
    doc = {"summary": {"ok": 0, "total": len(plan)}, "manual": manual}
    return next_steps_words(doc, config.language)
