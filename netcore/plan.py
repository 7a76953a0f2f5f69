"""The port plan: which router ports go to which office machine.

Built from ``config.ports`` (enabled entries only). An empty
``internal_host`` means "this machine", i.e. the LAN address this machine
uses to reach the router (:func:`lan_address`).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, replace

from netcore.checks.verdict_messages import Msg
from pmemail.config.https import https_internal_port
from pmemail.config.model import Config

PRIVILEGED = 1024
"""Ports below this are privileged (and refused by many routers' UPnP rules)."""

DESCRIPTION_PREFIX = "pmemail"
"""Every mapping pmemail makes carries this description prefix: that is how
``ports list`` marks ours and ``ports remove`` never touches another's."""


class PlanError(ValueError):
    """The plan cannot be built (bad address, duplicate port ...).

    ``str()`` is the English (logs); ``msg`` the sentence as a message id, worded
    by the front ends in the admin's language.
    """

    def __init__(self, msg: Msg) -> None:
        """``msg``: one of the ``fwd.plan.*`` ids."""
        super().__init__(msg.english())
        self.msg = msg


@dataclass(frozen=True)
class PlannedPort:
    """One router mapping to make.

    Attributes:
        name: the config entry (``smtp``, ``imap``, ``remote_desktop`` ...).
        external: port on the router's public address.
        internal: port on the office machine.
        internal_host: LAN address the router forwards to.
        protocol: ``TCP`` or ``UDP``.
        description: the text shown in the router's table.
        local: True when ``internal_host`` is this machine.
        fallback_for: the refused low external port this high one replaces
            (``ports apply --fallback``); 0 for a port as configured.
    """

    name: str
    external: int
    internal: int
    internal_host: str
    protocol: str
    description: str
    local: bool
    fallback_for: int = 0

    @property
    def key(self) -> str:
        """``"25/TCP"``: how the router identifies the mapping."""
        return f"{self.external}/{self.protocol}"


def mapping_description(name: str) -> str:
    """The router-table description of entry ``name`` (short: routers cut it)."""
    return f"{DESCRIPTION_PREFIX} {name}"


def is_ours(description: str) -> bool:
    """True when a router-table description marks a pmemail mapping."""
    return description.strip().lower().startswith(DESCRIPTION_PREFIX)


def build_plan(config: Config, lan_ip: str) -> list[PlannedPort]:
    """The enabled entries of ``config.ports`` with their hosts resolved.

    Args:
        config: the loaded configuration.
        lan_ip: this machine's LAN address (used where ``internal_host`` is empty).

    Raises:
        PlanError: an address is not an IPv4 address, or two entries claim
            the same external port and protocol.
    """
    plan: list[PlannedPort] = []
    seen: dict[str, str] = {}
    for name, entry in config.ports.items():
        if not entry.enabled:
            continue
        host = entry.internal_host.strip() or lan_ip
        _check_ipv4(host, f"ports.{name}.internal_host")
        port = PlannedPort(
            name=name,
            external=entry.external,
            internal=https_internal_port(config) if name == "https" else entry.internal,
            internal_host=host,
            protocol=entry.protocol.upper(),
            description=mapping_description(name),
            local=host == lan_ip,
        )
        if port.key in seen:
            other = seen[port.key]
            raise PlanError(
                Msg("fwd.plan.duplicate", {"name": name, "other": other, "mapping": port.key})
            )
        seen[port.key] = name
        plan.append(port)
    return plan


def fallback_port(port: PlannedPort, high: int) -> PlannedPort:
    """``port`` moved to the high external port ``high``.

    A privileged internal port moves to ``high`` too: stock OpenWrt's rule
    (``allow 1024-65535 ... 1024-65535``) also requires the internal port to
    be 1024 or more, and these are the ports ``pmemail init --unprivileged``
    gives the services (IMAP 1143, POP3 1110, webmail 8080, HTTPS 8443).
    """
    internal = port.internal if port.internal >= PRIVILEGED else high
    return replace(port, external=high, internal=internal, fallback_for=port.external)


def with_fallbacks(plan: list[PlannedPort], fallbacks: dict[str, int]) -> list[PlannedPort]:
    """The plan with refused low ports moved to their remembered high ports.

    Args:
        plan: from :func:`build_plan`.
        fallbacks: ``{"143/TCP": 1143}`` as saved by ``ports apply --fallback``.
            A high port another entry already uses is ignored (the config changed).
    """
    taken = {p.key for p in plan}
    out: list[PlannedPort] = []
    for port in plan:
        high = fallbacks.get(port.key)
        if high and f"{high}/{port.protocol}" not in taken:
            taken.add(f"{high}/{port.protocol}")
            port = fallback_port(port, high)
        out.append(port)
    return out


def _check_ipv4(value: str, where: str) -> None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise PlanError(Msg("fwd.plan.not_ipv4", {"where": where, "value": repr(value)})) from None


def default_gateway() -> str | None:
    """The IPv4 default gateway (netifaces), or None when there is none."""
    import netifaces

    default = netifaces.gateways().get("default")
    entry = default.get(netifaces.AF_INET) if isinstance(default, dict) else None
    return str(entry[0]) if entry else None


def lan_address(gateway: str) -> str:
    """The local address this machine uses to reach ``gateway``.

    A UDP ``connect`` only asks the kernel for a route: no packet is sent.

    Raises:
        PlanError: there is no route to the gateway.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((gateway, 9))
        except OSError as exc:
            # the system's reason as data: its words are the OS's
            error = exc.strerror or str(exc)
            raise PlanError(
                Msg("fwd.plan.no_route", {"gateway": gateway, "error": error})
            ) from None
        return str(sock.getsockname()[0])
