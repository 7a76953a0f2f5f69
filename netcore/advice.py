"""Words for the admin when forwarding cannot be fully automatic.

Pure text and small data: why never a DMZ, what secure mode means, which
high external ports can replace refused low ones (and why SMTP cannot),
and the exact table to type into the router by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from netcore.checks.verdict_messages import Msg
from netcore.forwarding_messages import DMZ, SECURE_MODE
from netcore.plan import PRIVILEGED, PlannedPort

DMZ_EXPLANATION = DMZ

SECURE_MODE_EXPLANATION = SECURE_MODE

SMTP_MUST_BE_25 = Msg("fwd.smtp_must_be_25").english()

# Conventional high-port replacements; external+10000 is used otherwise.
ALTERNATIVE_PORTS = {
    80: 8080,
    110: 1110,
    143: 1143,
    443: 8443,
    465: 1465,
    587: 1587,
    993: 1993,
    995: 1995,
}

PRIVILEGED_LIMIT = PRIVILEGED


@dataclass(frozen=True)
class FallbackPort:
    """A proposed replacement for a refused mapping.

    Attributes:
        name: the plan entry.
        external: the refused external port.
        proposed_external: a high port the router accepts, or None when no
            replacement makes sense (inbound SMTP).
        note: what the change means for users.
    """

    name: str
    external: int
    protocol: str
    proposed_external: int | None
    note: str


def propose_fallback(port: PlannedPort) -> FallbackPort:
    """A high external port for a refused low one, with the consequence in words."""
    if port.name == "smtp" or port.external == 25:
        return FallbackPort(port.name, port.external, port.protocol, None, SMTP_MUST_BE_25)
    proposed = ALTERNATIVE_PORTS.get(port.external, port.external + 10000)
    if proposed > 65535:
        proposed = port.external
    params = {"proposed": str(proposed), "external": str(port.external), "name": port.name}
    note = Msg("fwd.use_port", params).english()
    return FallbackPort(port.name, port.external, port.protocol, proposed, note)


def fallback_applied_note(
    name: str, refused: int, high: int, method: str, internal: int = 0, new_internal: int = 0
) -> Msg:
    """What a mapped fallback port changes for the office's users, as a message id.

    When the internal port moved too (a privileged one: stock routers refuse
    it), the server must listen there: the note says which setting to change.
    """
    params = {"method": method.upper(), "high": str(high), "refused": str(refused), "name": name}
    if new_internal and new_internal != internal:
        return Msg("fwd.out.fallback_applied_listen", params | {"internal": str(new_internal)})
    return Msg("fwd.out.fallback_applied", params)


def is_low_port_refusal(port: PlannedPort) -> bool:
    """True when a refusal is probably the router's "no ports below 1024" rule."""
    return port.external < PRIVILEGED_LIMIT


@dataclass(frozen=True)
class ManualRow:
    """One line the admin types into the router's port-forwarding page."""

    name: str
    external: int
    protocol: str
    internal_host: str
    internal: int


def manual_rows(ports: list[PlannedPort]) -> list[ManualRow]:
    """The exact rules to add by hand."""
    return [ManualRow(p.name, p.external, p.protocol, p.internal_host, p.internal) for p in ports]


MANUAL_HEADER = ("external port", "protocol", "internal address", "internal port", "service")


def format_manual_table(
    rows: list[ManualRow], header: tuple[str, ...] = MANUAL_HEADER
) -> list[str]:
    """The manual rules as aligned text lines (``header`` first, in the reader's language)."""
    cells = [header] + [
        (str(r.external), r.protocol, r.internal_host, str(r.internal), r.name) for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
