"""What the dashboard shows, gathered without any UI (no Textual here).

Two snapshots with different costs, so the screen can refresh them at
different rates and keep idle CPU low:

* :class:`LocalProbe` ``.snapshot()`` → :class:`LocalSnapshot`: the control
  socket of ``pmemail serve``, psutil facts of its process, the queue
  directory, the tail of the log and the listening ports. Only local files
  and sockets: a few milliseconds, safe every few seconds.
* :func:`network_snapshot` → :class:`NetworkSnapshot`: the router's UPnP
  table, the public address (recorded in the IP history) and whether each
  port of the plan is reachable from outside (the echo service). Network
  round trips: refreshed rarely and on demand.

Every failure becomes a one-line reason in the snapshot, never an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psutil

from mailcore.queue.store import QueueStore
from mailcore.status import (
    AntispamStatus,
    CollectorStatus,
    DeliveryStatus,
    InboundSmtpStatus,
    QueueStatus,
    ServiceEntry,
    SmtpStatus,
    narrow,
    read_answer,
)
from netcore.ip_history import IpHistory, IpObservation
from netcore.local_ports import listening_ports
from netcore.router.state import ForwardingState
from pmemail.app.local_sources import DirWatch, LogTail
from pmemail.app.local_sources import tail_lines as tail_lines  # re-exported, as before
from pmemail.config.https import https_internal_port
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync

if TYPE_CHECKING:
    from netcore.router.upnp import RouterMapping

# The router clients (miniupnpc) and the echo client (requests) are imported
# by the network snapshot itself: the dashboard paints before they are needed.

CONTROL_TIMEOUT = 2.0  # a local socket: a server that needs longer is stuck
SMTP_SERVICES = ("smtp", "submission")

clock: Callable[[], float] = time.time
"""The wall clock behind ``taken_at`` and uptimes: a seam so snapshot tests can fix it."""


@dataclass(frozen=True)
class ProcessFacts:
    """psutil's view of the ``pmemail serve`` process."""

    pid: int
    uptime: float
    memory: int  # resident bytes
    cpu: float  # percent of one CPU since the previous snapshot
    connections: int  # established TCP connections


@dataclass(frozen=True)
class MailCounters:
    """Counters of the running server since it started (zero when stopped)."""

    accepted: int = 0
    delivered_local: int = 0
    delivered_remote: int = 0
    deferred: int = 0
    bounced: int = 0
    queue_last_run: float | None = None
    queue_error: str = ""
    collector_last_run: float | None = None
    collector_error: str = ""
    spam_filtering: str = ""  # engine / basic / off; "" = the server did not say
    spam_refused: tuple[tuple[str, int], ...] = ()  # (reason id, count), port 25
    spam_junk: int = 0  # delivered to Junk folders


@dataclass(frozen=True)
class QueueFacts:
    """The outbound queue as read from disk (works without the server)."""

    messages: int = 0
    recipients: int = 0
    oldest: float | None = None
    error: str = ""


@dataclass(frozen=True)
class LocalPort:
    """One entry of the plan as seen from this machine."""

    name: str
    external: int
    internal: int
    host: str  # "" = this machine
    enabled: bool
    listening: bool | None  # None: another machine's port, not checkable here


@dataclass(frozen=True)
class LocalSnapshot:
    """The fast facts, refreshed every ``dashboard.local_refresh`` seconds."""

    taken_at: float
    running: bool
    reason: str  # why not running / why the status is unknown
    process: ProcessFacts | None
    services: list[ServiceEntry]  # as the control socket sent them
    mail: MailCounters
    queue: QueueFacts
    ports: list[LocalPort]
    log_lines: list[str]


@dataclass(frozen=True)
class PortReach:
    """One port of the plan on the router and from outside."""

    name: str
    external: int
    mapped: bool | None  # None: the router could not be read
    mapped_detail: str  # target and lease when mapped, or why not
    lease_left: float | None  # seconds; None = permanent or unknown
    reachable: bool | None  # None: the echo service could not tell
    reach_detail: str


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


def queue_facts(paths: DataPaths) -> QueueFacts:
    """Messages and pending recipients in the queue directory."""
    if not paths.queue.exists():
        return QueueFacts()
    try:
        entries = QueueStore(paths.queue).entries()
    except (OSError, ValueError) as err:
        return QueueFacts(error=f"cannot read the queue: {err}")
    pending = [e for e in entries if e.pending()]
    return QueueFacts(
        len(entries),
        sum(len(e.pending()) for e in entries),
        min((e.first_seen for e in pending), default=None),
    )


def _moment(value: float | None) -> float | None:
    return float(value) if value else None  # 0 = never ran: shown as "never"


def mail_counters(services: Sequence[Mapping[str, object]]) -> MailCounters:
    """Sum the counters the services report on the control socket."""
    by_name = {str(s.get("name")): s for s in services}
    smtp = [narrow(s, SmtpStatus) for s in services if s.get("name") in SMTP_SERVICES]
    delivery = narrow(by_name.get("delivery", {}), DeliveryStatus)
    queue = narrow(by_name.get("queue", {}), QueueStatus)
    collector = narrow(by_name.get("collector", {}), CollectorStatus)
    inbound = narrow(by_name.get("smtp", {}), InboundSmtpStatus)
    spam = narrow(inbound.get("antispam", {}), AntispamStatus)
    refused = spam.get("refused", {})
    return MailCounters(
        accepted=sum(s.get("accepted", 0) for s in smtp),
        delivered_local=delivery.get("delivered", 0),
        delivered_remote=queue.get("delivered", 0),
        deferred=queue.get("deferred", 0),
        bounced=queue.get("bounced", 0),
        queue_last_run=_moment(queue.get("last_run")),
        queue_error=queue.get("last_error", ""),
        collector_last_run=_moment(collector.get("last_run")),
        collector_error=collector.get("last_error", ""),
        spam_filtering=spam.get("filtering", ""),
        spam_refused=tuple(
            sorted((str(k), v) for k, v in refused.items() if isinstance(v, int) and v)
        ),
        spam_junk=sum(v for v in spam.get("junk", {}).values() if isinstance(v, int)),
    )


def local_ports(config: Config, listening: set[int]) -> list[LocalPort]:
    """Each entry of the plan and whether its internal port listens here."""
    out = []
    own = _own_addresses()
    for name, m in config.ports.items():
        host = m.internal_host.strip()
        here = not host or host in own
        internal = https_internal_port(config) if name == "https" else m.internal
        out.append(
            LocalPort(
                name,
                m.external,
                internal,
                "" if here else host,
                m.enabled,
                (internal in listening) if here else None,
            )
        )
    return out


def _own_addresses() -> set[str]:
    found = {"127.0.0.1"}
    for addrs in psutil.net_if_addrs().values():
        found.update(a.address for a in addrs)
    return found


class LocalProbe:
    """Takes :class:`LocalSnapshot` s; keeps the psutil process between calls
    because CPU percent is measured from one call to the next."""

    def __init__(self, config: Config, paths: DataPaths) -> None:
        """Args: config/paths: where the control socket, queue and log are."""
        self.config = config
        self.paths = paths
        self._process: psutil.Process | None = None
        # what was read last time, so an idle refresh reads (almost) nothing
        self._log = LogTail(paths.log_file, config.dashboard.log_lines)
        self._queue_dir = DirWatch(QueueStore(paths.queue).meta_dir)
        self._queue = QueueFacts()

    def snapshot(self) -> LocalSnapshot:
        """Everything local, in a few milliseconds."""
        services: list[ServiceEntry] = []
        running, reason, pid = False, "", None
        try:
            answer = query_control_sync(
                self.paths.control_socket, {"cmd": "status"}, CONTROL_TIMEOUT
            )
        except NotRunning:
            reason = "pmemail serve is not running"
        except ControlError as err:
            reason = str(err)
        else:
            status = read_answer(answer)
            if status.get("ok"):
                running = True
                services = status.get("services", [])
                pid = status.get("pid")
            else:
                reason = str(answer.get("error", "the server refused the status request"))
        if self._queue_dir.changed():
            self._queue = queue_facts(self.paths)
        return LocalSnapshot(
            taken_at=clock(),
            running=running,
            reason=reason,
            process=self._process_facts(pid),
            services=services,
            mail=mail_counters(services),
            queue=self._queue,
            ports=local_ports(self.config, listening_ports()),
            log_lines=self._log.lines(),
        )

    def _process_facts(self, pid: int | None) -> ProcessFacts | None:
        if pid is None:
            self._process = None
            return None
        try:
            if self._process is None or self._process.pid != pid:
                self._process = psutil.Process(pid)
            proc = self._process
            with proc.oneshot():
                cpu = proc.cpu_percent(None)
                memory = proc.memory_info().rss
                started = proc.create_time()
            conns = sum(
                1 for c in proc.net_connections(kind="tcp") if c.status == psutil.CONN_ESTABLISHED
            )
        except (psutil.Error, OSError):
            self._process = None
            return None
        return ProcessFacts(pid, max(0.0, clock() - started), memory, cpu, conns)


def _router_facts(
    config: Config, paths: DataPaths
) -> tuple[str, str, str, dict[str, RouterMapping], ForwardingState]:
    """(router label, error, router's public address, our UPnP rows by key, state)."""
    from netcore.forwarding import Forwarder
    from netcore.router.errors import RouterError

    fwd = Forwarder(config, paths)
    try:
        rows, _others = fwd.table()
    except (RouterError, OSError, ValueError) as err:
        return "", str(err) or type(err).__name__, "", {}, ForwardingState.load(fwd.state_file)
    state = ForwardingState.load(fwd.state_file)
    address = ""
    client = fwd.upnp(state)
    if client is not None:
        try:
            address = client.external_ip()
        except (RouterError, OSError):
            address = ""
    label = f"UPnP IGD {fwd.igd_url}" if fwd.igd_url else "NAT-PMP/PCP mappings only"
    return label, "", address, {r.key: r for r in rows}, state


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
    if row is not None:
        mapped = row.ours
        detail = (
            f"to {row.internal_host}:{row.internal}"
            if row.ours
            else f"held by another mapping: {row.description or '?'} "
            f"to {row.internal_host}:{row.internal}"
        )
        lease_left = float(row.lease) if row.lease > 0 else None
    elif rec is not None and rec.method != "upnp":
        mapped, detail = True, f"to {rec.internal_host}:{rec.internal} by {rec.method.upper()}"
        lease_left = rec.remaining(now)
    elif router_ok:
        mapped, detail = False, "not in the router's table"
    else:
        mapped, detail = None, "router not readable"
    reachable, why = reach
    if reachable is None:
        reach_detail = why
    else:
        reach_detail = "reachable" if reachable else "the echo service could not connect"
    return PortReach(name, m.external, mapped, detail, lease_left, reachable, reach_detail)


def network_snapshot(config: Config, paths: DataPaths) -> NetworkSnapshot:
    """The router table, the public address and outside reachability.

    Blocking (network round trips bounded by ``network.*_timeout``): call it
    from a worker thread.
    """
    from netcore.echo_service import port_reachable, public_ip

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
        label, router_error, router_address, rows, state = router_f.result()
        answers = public_f.result()
        reach = {name: f.result() for name, f in reach_f.items()}
    history = IpHistory(paths.state)
    try:
        changed = history.record(answers.address, router_address)
        entries = history.entries()
    except OSError:
        changed, entries = False, []
    now = clock()
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
    )
