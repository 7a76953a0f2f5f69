"""Stable documents for ``pmemail ports ... --json`` (and the TUI later).

One function per command builds a plain dict; the CLI prints it as JSON or
renders it as text. Keys are a public interface (README): add, never rename.
:func:`outcome_line` is the one text form of a port's outcome.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from netcore import advice
from netcore.addresses import classify
from netcore.checks.verdict_messages import Msg
from netcore.plan import PlannedPort
from netcore.port_outcome import FAILED, MAPPED, REMOVED, ForwardingReport, PortOutcome
from netcore.profiles import GENERIC_PROFILE, ProfileError, RouterProfile, load_profile
from netcore.router import errors
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


_ROUTER_PAGE = re.compile(r"\(often (http://[0-9.]+)\)|http://[0-9]+(?:\.[0-9]+){3}")


def localize_step(step: str, gateway: str) -> str:
    """A profile's step with its example router address replaced by the detected gateway."""
    if not gateway:
        return step
    return _ROUTER_PAGE.sub(
        lambda m: f"(http://{gateway})" if m.group(1) else f"http://{gateway}", step
    )


def manual_document(
    ports: list[PlannedPort], profile: RouterProfile | None, gateway: str = ""
) -> dict[str, Any]:
    """The rules to type by hand and the router profile's steps (at ``gateway`` when known)."""
    steps = list(profile.forwarding.steps) if profile else []
    doc: dict[str, Any] = {
        "needed": bool(ports),
        "table": [asdict(r) for r in advice.manual_rows(ports)],
        "profile": profile.id if profile else "",
        "profile_name": profile.name if profile else "",
        "menu_path": profile.forwarding.menu_path if profile else "",
        "steps": [localize_step(step, gateway) for step in steps],
        "gateway": gateway,
        "verified": profile.forwarding.verified if profile else False,
        "source": profile.forwarding.source if profile else "",
    }
    return doc


def forwarding_document(
    report: ForwardingReport,
    plan: list[PlannedPort],
    profile: RouterProfile | None,
    gateway: str = "",
) -> dict[str, Any]:
    """``ports apply`` / ``ports remove``: per-port outcomes and what to do next.

    For ``apply``, refused low ports get a ``fallback`` proposal (high
    external ports; never for inbound SMTP) and every failed port appears in
    ``manual.table`` — unless the router has no public address (CGNAT): then
    no manual rule can help, ``isp_advice`` says what to ask the ISP and what
    to do meanwhile. ``lease`` says how long the mappings last and that
    ``pmemail serve`` must run to renew them.
    """
    by_key = {p.key: p for p in plan}
    failed = [  # an off-LAN target gets no manual rule: it would point outside the LAN too
        by_key[f"{o.external}/{o.protocol}"]
        for o in report.outcomes
        if o.status == FAILED
        and f"{o.external}/{o.protocol}" in by_key
        and o.code != errors.OFF_LAN
    ]
    router: dict[str, Any] = {"igd_url": report.igd_url, "upnp_error": report.router_error}
    if report.router_msg is not None:
        router["upnp_error_message"] = report.router_msg.to_dict()
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "action": report.action,
        "router": router,
        "ports": [outcome_document(o) for o in report.outcomes],
        "summary": {
            "total": len(report.outcomes),
            "ok": len(report.mapped),
            "failed": len(report.failed),
        },
        "exit_code": report.exit_code(),
    }
    if report.action == "apply":
        cgnat = report.no_public_address
        doc["fallback"] = [] if cgnat else fallback_entries(report, by_key)
        doc["manual"] = manual_document([] if cgnat else failed, profile, gateway)
        doc["dmz"] = advice.DMZ_EXPLANATION
        doc["no_public_address"] = cgnat
        doc["router_address"] = report.router_address
        doc["isp_advice"] = (
            [m.to_dict() for m in isp_advice(report.router_address)] if cgnat else []
        )
        leases = [o.lease for o in report.outcomes if o.status == MAPPED and o.lease]
        doc["lease"] = {"seconds": min(leases) if leases else 0, "renewed_by": "pmemail serve"}
    return doc


ISP_ADVICE = (Msg("advice.ask_public_ipv4"), Msg("advice.meanwhile"))
"""What ``ports apply`` says behind CGNAT (the verdict's own message ids)."""


def isp_advice(router_address: str) -> list[Msg]:
    """What to do when the router has no public address.

    A private address (RFC 1918) on the router's internet side means a box in
    front of it does NAT too, most often the ISP's modem in router mode: the
    office can fix that itself. No address, or a shared one (100.64.0.0/10),
    is the ISP's carrier-grade NAT: only the ISP can give a public address.
    """
    if router_address and classify(router_address) == "private":
        return [Msg("advice.bridge_modem", {"address": router_address}), ISP_ADVICE[0]]
    return list(ISP_ADVICE)


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


def outcome_document(o: PortOutcome) -> dict[str, Any]:
    """One port of ``ports apply/remove --json``: the outcome's fields, ``message`` in
    English as ever, and the same sentence as ``message_id`` + ``params`` (+ ``parts``,
    sentences quoted in it, when there are some) for a front end that translates."""
    doc = asdict(o)
    del doc["msg"]
    if o.msg is not None:
        said = o.msg.to_dict()
        doc["message_id"], doc["params"] = said["id"], said["params"]
        if "parts" in said:
            doc["parts"] = said["parts"]
    return doc


def outcome_line(o: PortOutcome, say: Say | None = None) -> str:
    """One port's outcome as a line, in columns so that a list of them lines up.

    ``   25/TCP -> 192.168.1.10:25         smtp             mapped by UPNP (lease 3600 s)``:
    shared by ``pmemail ports`` and the dashboard so both say the same thing. ``say``
    words a message id in the admin's language (default: English).
    """
    word: Say = say or Msg.english
    target = f"{o.internal_host}:{o.internal}"
    method = {"method": o.method.upper()}
    if o.status == MAPPED:
        if o.lease:
            state = word(Msg("fwd.line.mapped", method | {"seconds": str(o.lease)}))
        else:
            state = word(Msg("fwd.line.mapped_permanent", method))
        if o.fallback_for:
            state = word(Msg("fwd.line.instead", {"state": state, "port": str(o.fallback_for)}))
    elif o.status == REMOVED:
        state = word(Msg("fwd.line.removed", method))
    else:
        state = word(Msg("fwd.line.failed", {"reason": word(o.msg) if o.msg else o.message}))
    return f"{o.external:>5}/{o.protocol} -> {target:<21} {o.name:<16} {state}"


def next_steps_lines(doc: dict[str, Any], say: Say | None = None) -> list[str]:
    """What the admin must do after ``apply``: fallbacks and the manual table, as text.

    Shared by the CLI and the TUI so both say exactly the same thing. ``say``
    words a message id in the admin's language (default: English).
    """
    word: Say = say or Msg.english
    summary = doc["summary"]
    lines = [word(Msg("fwd.summary", {"ok": str(summary["ok"]), "total": str(summary["total"])}))]
    if doc.get("no_public_address"):
        lines += ["", word(Msg("fwd.no_public_address"))]
        lines += [f"  - {word(Msg(m['id'], m['params']))}" for m in doc["isp_advice"]]
        return lines
    lease = (doc.get("lease") or {}).get("seconds", 0)
    if lease:
        lines += ["", word(Msg("fwd.lease", {"seconds": str(lease)}))]
    applied = [fb for fb in doc.get("fallback", []) if fb.get("applied")]
    proposed = [fb for fb in doc.get("fallback", []) if not fb.get("applied")]
    if applied:
        lines += ["", word(Msg("fwd.applied"))]
        lines += [f"  - {word(_fallback_msg(fb, 'fwd.applied_item'))}" for fb in applied]
    if proposed:
        lines += ["", word(Msg("fwd.proposed"))]
        lines += [
            f"  - {fb['external']}/{fb['protocol']} ({fb['name']}): {word(_fallback_msg(fb))}"
            for fb in proposed
        ]
        if any(fb["proposed_external"] for fb in proposed):
            lines.append(f"  {word(Msg('fwd.run_fallback'))}")
    manual = doc.get("manual") or {}
    if not manual.get("needed"):
        return lines
    lines += ["", word(Msg("fwd.by_hand"))]
    rows = [advice.ManualRow(**r) for r in manual["table"]]
    header = tuple(word(Msg("fwd.table_header")).split("|"))
    lines += [f"  {line}" for line in advice.format_manual_table(rows, header)]
    if manual["profile"]:
        key = "fwd.steps" if manual["verified"] else "fwd.steps_unverified"
        lines.append(word(Msg(key, {"profile": manual["profile_name"]})))
        if manual["menu_path"]:
            lines.append(f"  {word(Msg('fwd.menu', {'path': manual['menu_path']}))}")
        lines += [f"  {i}. {step}" for i, step in enumerate(manual["steps"], 1)]
    return lines


Say = Callable[[Msg], str]
"""Words one message id in the admin's language."""


def _fallback_msg(fb: dict[str, Any], key: str = "fwd.use_port") -> Msg:
    """A fallback entry's note as a message id (the ``note`` field keeps the English)."""
    if fb.get("proposed_external") is None:
        return Msg("fwd.smtp_must_be_25")
    params = {
        "name": str(fb["name"]),
        "external": str(fb["external"]),
        "proposed": str(fb["proposed_external"]),
    }
    return Msg(key, params)


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
