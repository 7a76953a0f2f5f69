"""What the dashboard shows, gathered without any UI (no Textual here).

Two snapshots with different costs, so the screen can refresh them at
different rates and keep idle CPU low:

* :class:`LocalProbe` ``.snapshot()`` → :class:`LocalSnapshot`: the control
  socket of ``pmemail serve``, psutil facts of its process, the queue
  directory, the tail of the log and the listening ports. Only local files
  and sockets: a few milliseconds, safe every few seconds.
* ``pmemail.app.network_snapshot``: the router's UPnP table, the public
  address and whether each port of the plan is reachable from outside.
  Network round trips: refreshed rarely and on demand.

Every failure becomes a one-line reason in the snapshot, never an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psutil

from mailcore.queue.store import QueueStore
from mailcore.status import (
    AntispamStatus,
    BackupStatus,
    CollectorStatus,
    DeliveryStatus,
    InboundSmtpStatus,
    QueueStatus,
    ServiceEntry,
    SmtpStatus,
    narrow,
    read_answer,
)
from netcore.local_ports import listening_ports
from pmemail.app.backup_actions import BackupFacts, backup_facts
from pmemail.app.local_sources import DirWatch, LogTail
from pmemail.app.local_sources import tail_lines as tail_lines  # re-exported, as before
from pmemail.app.mail_engine import handed_over, port_programs
from pmemail.config.https import https_internal_port
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.serve.control import ControlError, NotRunning, query_control_sync

if TYPE_CHECKING:
    pass

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
    collector_error: str = ""  # English (an older server's only wording)
    # the same as message ids (pmemail.app.collector_held.last_error_text words them)
    collector_errors: tuple[Mapping[str, Any], ...] = ()
    collector_held: int = 0  # messages left at the ISP for the admin (no local recipient)
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
    program: str = ""  # who listens, when asked (Postfix, Dovecot, pmemail, a process name)


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
    engine: str = "pmemail"  # server.mail_engine: "postfix-dovecot" after the hand-over
    backup: BackupFacts | None = None  # the last backup and the next run
    reason_key: str = ""  # ``reason`` as an id of pmemail.app.action_texts ("": data)


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
        collector_errors=tuple(e for e in collector.get("errors", []) if isinstance(e, Mapping)),
        collector_held=len(collector.get("held", [])),
        spam_filtering=spam.get("filtering", ""),
        spam_refused=tuple(
            sorted((str(k), v) for k, v in refused.items() if isinstance(v, int) and v)
        ),
        spam_junk=sum(v for v in spam.get("junk", {}).values() if isinstance(v, int)),
    )


def local_ports(
    config: Config, listening: set[int], programs: dict[int, str] | None = None
) -> list[LocalPort]:
    """Each entry of the plan, whether its internal port listens here and, when
    ``programs`` is given, which program holds it."""
    out = []
    programs = programs or {}
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
                programs.get(internal, "") if here and internal in listening else "",
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
        served_backup: BackupStatus | None = None
        running, reason, reason_key, pid = False, "", "", None
        try:
            answer = query_control_sync(
                self.paths.control_socket, {"cmd": "status"}, CONTROL_TIMEOUT
            )
        except NotRunning:
            reason, reason_key = "pmemail serve is not running", "server.not_running"
        except ControlError as err:
            reason = str(err)
        else:
            status = read_answer(answer)
            if status.get("ok"):
                running = True
                services = status.get("services", [])
                pid = status.get("pid")
                served_backup = status.get("backup")
            else:
                reason = str(answer.get("error", "the server refused the status request"))
        if self._queue_dir.changed():
            self._queue = queue_facts(self.paths)
        listening = listening_ports()
        programs = None
        plan = {m.internal for _, m in self.config.ports.items()}
        if (not running or handed_over(self.config)) and plan & listening:
            # who holds the ports pmemail does not (Postfix and Dovecot after the
            # hand-over, or a program in the way): one psutil scan, only then
            programs = port_programs(self.paths)
        return LocalSnapshot(
            taken_at=clock(),
            running=running,
            reason=reason,
            reason_key=reason_key,
            process=self._process_facts(pid),
            services=services,
            mail=mail_counters(services),
            queue=self._queue,
            ports=local_ports(self.config, listening, programs),
            log_lines=self._log.lines(),
            engine=self.config.server.mail_engine,
            backup=backup_facts(self.config, self.paths, served_backup),
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
