"""The dashboard's slow facts: the router's table, the public address, outside reach.

:func:`network_snapshot` makes network round trips (UPnP, the echo service),
so the screen refreshes it rarely and on demand, from a worker thread; the
local facts are :mod:`pmemail.app.status_snapshot`'s. Every failure becomes a
one-line reason in the snapshot, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netcore.ip_history import IpHistory, IpObservation
from netcore.router.state import ForwardingState
from pmemail.app import status_snapshot
from pmemail.app.reach_texts import reach_words
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from mailcore.status import DyndnsStatus
    from netcore.checks.verdict_messages import Msg
    from netcore.router.upnp import RouterMapping

# The router clients (miniupnpc) and the echo client (requests) are imported
# by the snapshot itself: the dashboard paints before they are needed.


@dataclass(frozen=True)
class PortReach:
    """One port of the plan on the router and from outside."""

    name: str
    external: int
    mapped: bool | None  # None: the router could not be read
    mapped_detail: str  # target when mapped, or why not: an id of reach_texts, params below
    lease_left: float | None  # seconds; None = permanent or unknown
    reachable: bool | None  # None: the echo service could not tell
    reach_detail: str  # an id of reach_texts, or the echo service's own reason
    mapped_params: Mapping[str, object] = field(default_factory=dict)

    def mapped_words(self, language: str) -> str:
        """Where the router forwards the port, or why not, in ``language``."""
        return reach_words(self.mapped_detail, self.mapped_params, language)

    def reach_words(self, language: str) -> str:
        """Whether the outside reaches the port, in ``language``."""
        return reach_words(self.reach_detail, {}, language)


@dataclass(frozen=True)
class NetworkSnapshot:
    """The slow facts, refreshed every ``dashboard.network_refresh`` seconds."""

    taken_at: float
    router: str  # "UPnP at URL" or ""
    router_error: str
    router_address: str
    public_address: str
    public_error: str
    address_changed: bool  # this refresh saw a new public address
    history: list[IpObservation] = field(default_factory=list)
    ports: list[PortReach] = field(default_factory=list)
    router_error_msg: Msg | None = None  # ``router_error`` as a message id, when it has one

    def router_error_words(self, language: str) -> str:
        """Why the router could not be read, in ``language`` ("" when it could)."""
        if self.router_error_msg is None:
            return self.router_error
        from pmemail.app.verdict_texts import word

        return word(self.router_error_msg.to_dict(), language)

    dyndns: DyndnsStatus | None = None  # the last dynamic DNS update (None: unreadable)


def _router_facts(
    config: Config, paths: DataPaths
) -> tuple[str, str, str, dict[str, RouterMapping], ForwardingState, Msg | None]:
    """(router label, error, router's public address, our UPnP rows by key, state,
    the error as a message id)."""
    from netcore.forwarding import Forwarder
    from netcore.router.errors import RouterError

    fwd = Forwarder(config, paths)
    try:
        rows, _others = fwd.table()
    except (RouterError, OSError, ValueError) as err:
        msg = err.msg if isinstance(err, RouterError) else None
        state = ForwardingState.load(fwd.state_file)
        return "", str(err) or type(err).__name__, "", {}, state, msg
    state = ForwardingState.load(fwd.state_file)
    address = ""
    client = fwd.upnp(state)
    if client is not None:
        try:
            address = client.external_ip()
        except (RouterError, OSError):
            address = ""
    label = f"UPnP IGD {fwd.igd_url}" if fwd.igd_url else "NAT-PMP/PCP mappings only"
    return label, "", address, {r.key: r for r in rows}, state, None


def _port_reach(
    config: Config,
    name: str,
    now: float,
    router_ok: bool,
    rows: dict[str, RouterMapping],
    state: ForwardingState,
    reach: tuple[bool | None, str],
) -> PortReach:
    m = getattr(config.ports, name)
    key = f"{m.external}/{m.protocol.upper()}"
    row, rec = rows.get(key), state.mappings.get(key)
    mapped: bool | None
    lease_left: float | None = None
    params: dict[str, object] = {}
    if row is not None:
        mapped = row.ours
        detail = "reach.to" if row.ours else "reach.held_elsewhere"
        params = {"host": row.internal_host, "port": row.internal}
        params["description"] = row.description or "?"
        lease_left = float(row.lease) if row.lease > 0 else None
    elif rec is not None and rec.method != "upnp":
        mapped, detail = True, "reach.by_method"
        params = {"host": rec.internal_host, "port": rec.internal, "method": rec.method.upper()}
        lease_left = rec.remaining(now)
    elif router_ok:
        mapped, detail = False, "reach.not_in_table"
    else:
        mapped, detail = None, "reach.router_unreadable"
    reachable, why = reach
    if reachable is None:
        reach_detail = why
    else:
        reach_detail = "reach.reachable" if reachable else "reach.echo_refused"
    return PortReach(name, m.external, mapped, detail, lease_left, reachable, reach_detail, params)


def network_snapshot(config: Config, paths: DataPaths) -> NetworkSnapshot:
    """The router table, the public address and outside reachability.

    Blocking (network round trips bounded by ``network.*_timeout``): call it
    from a worker thread.
    """
    from netcore.echo_service import port_reachable, public_ip
    from pmemail.serve.dyndns_service import dyndns_status

    net = config.network
    enabled = [name for name, m in config.ports.items() if m.enabled]
    with ThreadPoolExecutor(max_workers=2 + len(enabled)) as pool:
        router_f = pool.submit(_router_facts, config, paths)
        public_f = pool.submit(public_ip, net.echo_url, net.http_timeout)
        reach_f = {
            name: pool.submit(
                port_reachable, net.echo_url, getattr(config.ports, name).external, net.http_timeout
            )
            for name in enabled
        }
        label, router_error, router_address, rows, state, router_msg = router_f.result()
        answers = public_f.result()
        reach = {name: f.result() for name, f in reach_f.items()}
    history = IpHistory(paths.state)
    try:
        changed = history.record(answers.address, router_address)
        entries = history.entries()
    except OSError:
        changed, entries = False, []
    now = status_snapshot.clock()  # the one wall-clock seam of the dashboard's facts
    try:
        dyndns: DyndnsStatus | None = dyndns_status(config, paths)
    except OSError:
        dyndns = None
    public_error = (
        ""
        if answers.address
        else "; ".join(f"{u}: {e}" if u else e for u, e in answers.errors.items())
    )
    return NetworkSnapshot(
        taken_at=now,
        router=label,
        router_error=router_error,
        router_address=router_address,
        public_address=answers.address,
        public_error=public_error,
        address_changed=changed,
        history=entries[-10:],
        ports=[
            _port_reach(config, name, now, not router_error, rows, state, reach[name])
            for name in enabled
        ],
        router_error_msg=router_msg,
        dyndns=dyndns,
    )
