"""Stable documents for ``pmemail ports ... --json`` (and the TUI later).

One function per command builds a plain dict; the CLI prints it as JSON or
renders it as text. Keys are a public interface (README): add, never rename.
:func:`outcome_line` is the one text form of a port's outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from netcore import advice
from netcore.plan import PlannedPort
from netcore.port_outcome import FAILED, MAPPED, REMOVED, ForwardingReport, PortOutcome
from netcore.profiles import GENERIC_PROFILE, ProfileError, RouterProfile, load_profile
from netcore.router.state import MappingRecord
from netcore.router.upnp import RouterMapping

SCHEMA_VERSION = 1


def plan_document(plan: list[PlannedPort], lan_ip: str, gateway: str) -> dict[str, Any]:
    """``ports plan``: the mappings to make, and why never a DMZ."""
    return {
        "schema": SCHEMA_VERSION,
        "action": "plan",
        "lan_ip": lan_ip,
        "gateway": gateway,
        "ports": [asdict(p) for p in plan],
        "dmz": advice.DMZ_EXPLANATION,
    }


def manual_document(ports: list[PlannedPort], profile: RouterProfile | None) -> dict[str, Any]:
    """The rules to type by hand and the router profile's steps."""
    doc: dict[str, Any] = {
        "needed": bool(ports),
        "table": [asdict(r) for r in advice.manual_rows(ports)],
        "profile": profile.id if profile else "",
        "profile_name": profile.name if profile else "",
        "menu_path": profile.forwarding.menu_path if profile else "",
        "steps": list(profile.forwarding.steps) if profile else [],
        "verified": profile.forwarding.verified if profile else False,
        "source": profile.forwarding.source if profile else "",
    }
    return doc


def forwarding_document(
    report: ForwardingReport, plan: list[PlannedPort], profile: RouterProfile | None
) -> dict[str, Any]:
    """``ports apply`` / ``ports remove``: per-port outcomes and what to do next.

    For ``apply``, refused low ports get a ``fallback`` proposal (high
    external ports; never for inbound SMTP) and every failed port appears in
    ``manual.table``.
    """
    by_key = {p.key: p for p in plan}
    failed = [
        by_key[f"{o.external}/{o.protocol}"]
        for o in report.outcomes
        if o.status == FAILED and f"{o.external}/{o.protocol}" in by_key
    ]
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "action": report.action,
        "router": {"igd_url": report.igd_url, "upnp_error": report.router_error},
        "ports": [asdict(o) for o in report.outcomes],
        "summary": {
            "total": len(report.outcomes),
            "ok": len(report.mapped),
            "failed": len(report.failed),
        },
        "exit_code": report.exit_code(),
    }
    if report.action == "apply":
        doc["fallback"] = fallback_entries(report, by_key)
        doc["manual"] = manual_document(failed if report.action == "apply" else [], profile)
        doc["dmz"] = advice.DMZ_EXPLANATION
    return doc


def fallback_entries(
    report: ForwardingReport, by_key: dict[str, PlannedPort]
) -> list[dict[str, Any]]:
    """The high-port proposals for refused low ports, and whether each is in use.

    Each entry is :class:`netcore.advice.FallbackPort` plus ``applied``
    (True when the high port is mapped: ``ports apply --fallback``).
    """
    entries: list[dict[str, Any]] = []
    for o in report.outcomes:
        if not (o.low_port or o.fallback_for):
            continue
        original = o.fallback_for or o.external
        port = by_key.get(f"{o.external}/{o.protocol}") or by_key.get(f"{original}/{o.protocol}")
        if port is None:
            continue
        entry = asdict(advice.propose_fallback(replace(port, external=original, fallback_for=0)))
        entry["applied"] = bool(o.fallback_for) and o.status == MAPPED
        entries.append(entry)
    return entries


def list_document(
    rows: list[RouterMapping],
    records: list[MappingRecord],
    igd_url: str,
    fallbacks: dict[str, int] | None = None,
) -> dict[str, Any]:
    """``ports list``: the router's whole table (ours marked) + our NAT-PMP/PCP mappings.

    ``fallbacks`` (``{"1143/TCP": 143}``) marks our high ports that replace
    refused low ones: each mapping has ``fallback_for`` (0 = none).
    """
    fallbacks = fallbacks or {}
    mappings = [
        dict(asdict(r), method="upnp", fallback_for=fallbacks.get(r.key, 0) if r.ours else 0)
        for r in rows
    ]
    mappings += [
        {
            "external": r.granted_external,
            "protocol": r.protocol,
            "internal_host": r.internal_host,
            "internal": r.internal,
            "description": f"pmemail {r.name}",
            "enabled": True,
            "lease": r.lease,
            "ours": True,
            "method": r.method,
            "fallback_for": r.fallback_for,
        }
        for r in records
    ]
    return {
        "schema": SCHEMA_VERSION,
        "action": "list",
        "router": {"igd_url": igd_url},
        "mappings": mappings,
    }


def outcome_line(o: PortOutcome) -> str:
    """One port's outcome as a line, in columns so that a list of them lines up.

    ``   25/TCP -> 192.168.1.10:25         smtp             mapped by UPNP (lease 3600 s)``:
    shared by ``pmemail ports`` and the dashboard so both say the same thing.
    """
    target = f"{o.internal_host}:{o.internal}"
    if o.status == MAPPED:
        lease = "permanent" if not o.lease else f"lease {o.lease} s"
        state = f"mapped by {o.method.upper()} ({lease})"
        if o.fallback_for:
            state += f", instead of refused port {o.fallback_for}"
    elif o.status == REMOVED:
        state = f"removed ({o.method.upper()})"
    else:
        state = f"FAILED: {o.message}"
    return f"{o.external:>5}/{o.protocol} -> {target:<21} {o.name:<16} {state}"


def router_profile(
    isp_profile: str,
    router_profile_name: str,
    on_warning: Callable[[ProfileError], None] | None = None,
) -> RouterProfile | None:
    """The profile whose manual steps apply: the router's, else the ISP's, else generic.

    Unloadable names are skipped; each one's error goes to ``on_warning`` (the
    CLI prints it) before the next name is tried.
    """
    for name in (router_profile_name, isp_profile, GENERIC_PROFILE):
        if name:
            try:
                return load_profile(name)
            except ProfileError as exc:
                if on_warning is not None:
                    on_warning(exc)
    return None
