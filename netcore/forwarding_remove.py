"""Delete pmemail's mappings from the router, each by the protocol that made it."""

from __future__ import annotations

from netcore.checks.verdict_messages import Msg
from netcore.plan import DESCRIPTION_PREFIX
from netcore.port_outcome import FAILED, REMOVED, ForwardingReport, PortOutcome, Progress
from netcore.router import errors, pmp
from netcore.router.errors import RouterError
from netcore.router.state import ForwardingState, MappingRecord
from netcore.router.upnp import RouterMapping, UpnpClient


def remove_one(
    item: RouterMapping | MappingRecord, upnp: UpnpClient | None, gateway: str, timeout: float
) -> PortOutcome:
    """Delete ``item`` (a UPnP row of ours, or a NAT-PMP/PCP record); its outcome.

    Args:
        item: the mapping to delete.
        upnp: the IGD client (needed for a UPnP row).
        gateway: the router's LAN address (NAT-PMP/PCP).
        timeout: ``network.natpmp_timeout``.
    """
    name = (
        item.name
        if isinstance(item, MappingRecord)
        else item.description.removeprefix(DESCRIPTION_PREFIX).strip()
    )
    outcome = PortOutcome(
        name, item.external, item.protocol, item.internal_host, item.internal, REMOVED
    )
    try:
        if isinstance(item, RouterMapping):
            assert upnp is not None
            upnp.delete(item.external, item.protocol)
            outcome.method = "upnp"
        else:
            pmp.unmap_record(gateway, timeout, item)
            outcome.method = item.method
    except RouterError as exc:
        outcome.status, outcome.code, outcome.message = FAILED, exc.code, str(exc)
        outcome.msg = exc.msg
        if exc.code == errors.NOT_AUTHORIZED:
            which = {"port": str(item.external), "host": item.internal_host}
            outcome.say(Msg("fwd.err.delete_refused", which))
    return outcome


def remove_ours(
    state: ForwardingState,
    upnp: UpnpClient | None,
    gateway: str,
    timeout: float,
    report: ForwardingReport,
    progress: Progress | None = None,
) -> None:
    """Delete every pmemail mapping (and only those) into ``report``; ``state`` follows.

    Ours are the UPnP rows with our description and the NAT-PMP/PCP records of
    ``state``; a recorded UPnP mapping the router no longer has is forgotten.
    """
    targets: dict[str, RouterMapping | MappingRecord] = {}
    if upnp is not None:
        targets.update((m.key, m) for m in upnp.table() if m.ours)
    targets.update((k, r) for k, r in state.mappings.items() if r.method != "upnp")
    for key, item in sorted(targets.items(), key=lambda kv: (kv[1].external, kv[0])):
        outcome = remove_one(item, upnp, gateway, timeout)
        rec = state.mappings.get(key)
        outcome.fallback_for = rec.fallback_for if rec else 0
        if outcome.status == REMOVED:
            state.forget(key)
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    for key in [k for k, r in state.mappings.items() if r.method == "upnp"]:
        if key not in targets and upnp is not None:
            state.forget(key)  # already gone from the router
