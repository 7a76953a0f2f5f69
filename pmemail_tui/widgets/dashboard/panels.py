"""The dashboard's panels: each renders one part of a snapshot, nothing else.

Panels never fetch anything: the screen's workers gather snapshots
(``pmemail.app.status_snapshot``) and hand them to ``show(...)``. A refresh that
would show the same thing changes nothing on screen: no table rebuilt, no
relayout, no repaint (most refreshes of an idle dashboard are like that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from mailcore.status import CertificateStatus, ConnectionStatus, ServiceHeader, narrow
from pmemail.app.action_texts import TEXTS as ACTION_TEXTS
from pmemail.app.cert_wording import certificate_lines, render
from pmemail.app.collector_held import last_error_text
from pmemail.app.network_snapshot import NetworkSnapshot, PortReach
from pmemail.app.status_snapshot import LocalPort, LocalSnapshot, MailCounters
from pmemail_tui.i18n import current_language, t
from pmemail_tui.widgets.dashboard import format as fmt
from pmemail_tui.widgets.dashboard.engine import down_reason, engine_bar, engine_service_rows

# keys of a service's status (mailcore.status) shown in its "counters" cell, in this order
COUNTER_KEYS = (
    "accepted",
    "rejected",
    "queued",
    "delivered",
    "deferred",
    "bounced",
    "queue_length",
    "connections_total",
    "fetched",
    "pending",
)

SPAM_MODE_KEYS = {
    "engine": "dash.spam.mode.engine",
    "basic": "dash.spam.mode.basic",
    "off": "dash.spam.mode.off",
}
"""The wording of each ``antispam.filtering`` value the server reports."""


Cells = tuple[Any, ...]


def _looks(value: object) -> object:
    """What decides how ``value`` looks (rich's ``Text ==`` ignores the base style)."""
    if isinstance(value, Text):
        return value.plain, str(value.style), tuple(value.spans)
    if isinstance(value, tuple):
        return tuple(_looks(v) for v in value)
    return value


class SteadyStatic(Static):
    """A Static that skips updates to what it already shows."""

    _shown: object = None

    def show_content(self, content: Text | str) -> None:
        """Show ``content`` unless it is what is shown already."""
        looks = _looks(content)
        if looks != self._shown:
            self._shown = looks
            self.update(content)


class SteadyTable(DataTable[Any]):
    """A DataTable whose rows are replaced only when they differ; the cursor stays."""

    _shown: object = None

    def set_rows(self, rows: Sequence[tuple[str | None, Cells]]) -> None:
        """Show ``rows`` (row key, cells), unless they are the ones shown."""
        looks = [(key, _looks(cells)) for key, cells in rows]
        if looks == self._shown:
            return
        self._shown = looks
        row = self.cursor_row
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1))


class ServerBar(SteadyStatic):
    """One line: is ``pmemail serve`` running, and its process facts."""

    def show(self, snap: LocalSnapshot) -> None:
        """Render the server line of ``snap``."""
        handed_over = engine_bar(snap)  # Postfix and Dovecot serve: not "stopped"
        if handed_over is not None:
            self.show_content(handed_over)
            return
        if not snap.running:
            line = Text("○ ", style=fmt.BAD)
            reason = snap.reason
            if snap.reason_key:  # worded here: the snapshot is language-neutral
                reason = render(ACTION_TEXTS, snap.reason_key, current_language())
            line.append(t("dash.server.stopped", reason=reason), style=fmt.BAD)
            self.show_content(line)
            return
        line = Text("● ", style=fmt.GOOD)
        line.append(t("dash.server.running"), style=fmt.GOOD)
        proc = snap.process
        if proc is not None:
            line.append(" · ")
            line.append(
                t(
                    "dash.server.facts",
                    pid=proc.pid,
                    uptime=fmt.duration(proc.uptime, current_language()),
                    memory=fmt.size(proc.memory, current_language()),
                    cpu=f"{proc.cpu:.1f}",
                    connections=proc.connections,
                )
            )
        self.show_content(line)


def _listen(listener: ConnectionStatus) -> str:
    if "port" not in listener:
        return "-"
    return f"{listener.get('address', '')}:{listener['port']}"


def _counters(service: Mapping[str, object], header: ServiceHeader) -> str:
    parts = [
        f"{fmt.known(f'dash.counter.{k}', k)} {service[k]}"
        for k in COUNTER_KEYS
        if isinstance(service.get(k), int)
    ]
    if header.get("status_error"):
        parts.append(header["status_error"])
    return "  ".join(parts)


def _service_row(service: Mapping[str, object]) -> tuple[str | None, Cells]:
    header = narrow(service, ServiceHeader)
    listener = narrow(service, ConnectionStatus)
    return (
        header.get("name"),  # the row key: the cursor stays on its service
        (
            fmt.known(f"dash.service.{header.get('name', '?')}", header.get("name", "?")),
            fmt.state(header.get("state", "?")),
            _listen(listener),
            str(listener.get("connections", "-")),
            _counters(service, header),
        ),
    )


def service_rows(snap: LocalSnapshot) -> list[tuple[str | None, Cells]]:
    """The services table's rows: the running server's services; after the hand-over
    first the mail ports and who serves them (Postfix, Dovecot), then the network side.

    A server not restarted since the hand-over still reports its own ``smtp``...:
    one row per name (the port's program says pmemail still holds it).
    """
    engine = engine_service_rows(snap) or []
    taken = {key for key, _ in engine}
    own = (_service_row(s) for s in snap.services)
    return [*engine, *(row for row in own if row[0] not in taken)]


class ServicesTable(SteadyTable):
    """One row per service of the running server."""

    def on_mount(self) -> None:
        """Columns and row cursor."""
        self.cursor_type = "row"
        self.add_columns(
            t("dash.col.service"),
            t("dash.col.state"),
            t("dash.col.listen"),
            t("dash.col.conns"),
            t("dash.col.counters"),
        )

    def show(self, snap: LocalSnapshot) -> None:
        """Show the services of ``snap``, one a row."""
        rows = service_rows(snap)
        if not rows:
            rows = [(None, ("-", Text(t("dash.server.none"), style=fmt.MUTED), "", "", ""))]
        self.set_rows(rows)


class MailPanel(SteadyStatic):
    """Counters, queue and collector in a few lines."""

    def show(self, snap: LocalSnapshot) -> None:
        """Render the mail part of ``snap``."""
        m, q = snap.mail, snap.queue
        lines = [
            t(
                "dash.mail.counters",
                accepted=m.accepted,
                local=m.delivered_local,
                remote=m.delivered_remote,
                deferred=m.deferred,
                bounced=m.bounced,
            ),
            t(
                "dash.mail.queue",
                messages=q.messages,
                recipients=q.recipients,
                oldest=fmt.clock(q.oldest),
            )
            + (f"  {q.error}" if q.error else ""),
            t("dash.mail.queue_run", when=fmt.clock(m.queue_last_run))
            + (f"  ({m.queue_error})" if m.queue_error else ""),
            t("dash.mail.collector", when=fmt.clock(m.collector_last_run))
            + (f"  ({_collector_error(m)})" if m.collector_error else ""),
        ]
        if m.collector_held:
            lines.append(t("dash.mail.collector_held", count=m.collector_held))
        if m.spam_filtering:  # a server that reports its port 25 checks
            reasons = ", ".join(f"{t('dash.spam.' + r)} {n}" for r, n in m.spam_refused)
            lines.append(
                t(
                    "dash.mail.spam",
                    mode=t(SPAM_MODE_KEYS.get(m.spam_filtering, "dash.spam.mode.basic")),
                    refused=sum(n for _, n in m.spam_refused),
                    reasons=f" ({reasons})" if reasons else "",
                    junk=m.spam_junk,
                )
            )
        self.show_content("\n".join(lines))


class CertificatePanel(SteadyStatic):
    """The certificate every TLS port serves: source, names, expiry, renewal, what to check."""

    def show(self, status: CertificateStatus | None) -> None:
        """Render ``status`` (None: no certificate yet)."""
        out = Text(t("dash.cert.title") + "\n", style="bold")
        if status is None:
            out.append(t("dash.cert.none"), style=fmt.MUTED)
            self.show_content(out)
            return
        first, *rest = certificate_lines(status, current_language())
        out.append(first, style=fmt.GOOD if status.get("trusted") else fmt.UNKNOWN)
        for line in rest:
            out.append("\n" + line)
        self.show_content(out)


def _here(port: LocalPort | None) -> Text:
    if port is None:
        return Text("?", style=fmt.UNKNOWN)
    if not port.enabled:
        return Text(t("dash.port.disabled"), style=fmt.MUTED)
    if port.listening is None:
        return Text(t("dash.port.other_pc", host=port.host), style=fmt.MUTED)
    if port.listening and port.program:  # known when pmemail does not hold its ports
        return Text(t("dash.port.listening_by", program=port.program), style=fmt.GOOD)
    return fmt.verdict(port.listening, t("dash.port.listening"), t("dash.port.not_listening"), "?")


def _why(local: LocalPort | None, reach: PortReach | None, snap: LocalSnapshot | None) -> str:
    """The reason a port is not fully working (empty when it is)."""
    reasons = []
    if local is not None and local.enabled and local.listening is False:
        down = down_reason(snap, local)  # Postfix or Dovecot, after the hand-over
        reasons.append(down or t("dash.why.not_listening", port=local.internal))
    if reach is not None:
        if not reach.mapped:
            reasons.append(reach.mapped_words(current_language()))
        if not reach.reachable:
            reasons.append(reach.reach_words(current_language()))
    return "; ".join(reasons)


class PortsTable(SteadyTable):
    """One row per port of the plan: here / on the router / from outside."""

    def on_mount(self) -> None:
        """Columns and row cursor."""
        self.cursor_type = "row"
        self.add_columns(
            t("dash.col.port"),
            t("dash.col.service"),
            t("dash.col.here"),
            t("dash.col.router"),
            t("dash.col.outside"),
            t("dash.col.lease"),
            t("dash.col.why"),
        )
        self.reasons: dict[str, str] = {}

    def show(self, local: LocalSnapshot | None, net: NetworkSnapshot | None) -> None:
        """Merge the local and network facts into one row per port."""
        locals_ = {p.name: p for p in local.ports} if local else {}
        reaches = {p.name: p for p in net.ports} if net else {}
        reasons: dict[str, str] = {}
        rows: list[tuple[str | None, Cells]] = []
        for name in locals_ or reaches:
            lp, rp = locals_.get(name), reaches.get(name)
            external = lp.external if lp else rp.external if rp else 0
            pending = Text(t("dash.port.pending") if net is None else "-", style=fmt.MUTED)
            router = (
                fmt.verdict(
                    rp.mapped,
                    t("dash.port.mapped"),
                    t("dash.port.unmapped"),
                    t("dash.port.unknown"),
                )
                if rp
                else pending
            )
            outside = (
                fmt.verdict(
                    rp.reachable,
                    t("dash.port.reachable"),
                    t("dash.port.unreachable"),
                    t("dash.port.unknown"),
                )
                if rp
                else pending
            )
            lease = fmt.duration(rp.lease_left, current_language()) if rp and rp.mapped else "-"
            why = reasons[name] = _why(lp, rp, local)
            rows.append((name, (str(external), name, _here(lp), router, outside, lease, why)))
        self.reasons = reasons
        self.set_rows(rows)


def _collector_error(m: MailCounters) -> str:
    """The collector's last failures in the dashboard's language."""
    return last_error_text(m.collector_errors, m.collector_error, current_language())
