"""The Network tab's panel: public address and its history, the router, the monitor.

Like the other panels (``panels.py``) it fetches nothing: the screen hands it
the network snapshot and the running server's router monitor events.
"""

from __future__ import annotations

from rich.text import Text

from pmemail.app.dyndns_actions import dyndns_line
from pmemail.app.forwarding_status import MonitorEvent
from pmemail.app.network_snapshot import NetworkSnapshot
from pmemail_tui.i18n import current_language, t
from pmemail_tui.widgets.dashboard import format as fmt
from pmemail_tui.widgets.dashboard.panels import SteadyStatic

MONITOR_LINES = 5
"""How many of the router monitor's last events the network panel shows."""


class NetworkPanel(SteadyStatic):
    """Public address and its history, the router and when it was last read."""

    _shown_net: NetworkSnapshot | None = None
    _monitor_events: tuple[MonitorEvent, ...] = ()

    def show_monitor(self, events: list[MonitorEvent]) -> None:
        """The running server's router monitor events (worded), under the router line."""
        if tuple(events) != self._monitor_events:
            self._monitor_events = tuple(events)
            self.show(self._shown_net)

    def _monitor_text(self) -> Text:
        """What pmemail serve did to keep the mappings, newest last (empty: nothing yet)."""
        out = Text()
        if self._monitor_events:
            out.append(t("dash.net.monitor") + "\n", style="bold")
            for event in self._monitor_events[-MONITOR_LINES:]:
                out.append(f"  {fmt.clock(event.at)}  {event.text}\n")
        return out

    def show(self, net: NetworkSnapshot | None) -> None:
        """Render ``net`` (a waiting message before the first refresh)."""
        self._shown_net = net
        if net is None:
            pending = Text(t("dash.net.pending") + "\n", style=fmt.MUTED)
            self.show_content(pending + self._monitor_text())
            return
        out = Text()
        if net.public_address:
            out.append(t("dash.net.public", address=net.public_address))
            if net.address_changed:
                out.append("  " + t("dash.net.changed"), style="bold " + fmt.UNKNOWN)
        else:
            out.append(t("dash.net.public_unknown", reason=net.public_error), style=fmt.BAD)
        out.append("\n")
        if net.router_error:
            reason = net.router_error_words(current_language())
            out.append(t("dash.net.router_error", reason=reason), style=fmt.BAD)
        else:
            out.append(
                t("dash.net.router", router=net.router, address=net.router_address or "?"),
                style=fmt.GOOD,
            )
        out.append("\n" + t("dash.net.checked", when=fmt.clock(net.taken_at)) + "\n")
        out.append_text(self._monitor_text())
        line = dyndns_line(net.dyndns, current_language()) if net.dyndns else ""
        if line:  # only where dynamic DNS applies: one line, its last update
            out.append(line + "\n", style=fmt.BAD if net.dyndns and net.dyndns["stopped"] else "")
        out.append("\n")
        out.append(t("dash.net.history") + "\n", style="bold")
        rows, previous = [], ""
        for obs in net.history:  # oldest first: a change is against the one before
            rows.append((obs, bool(previous and obs.address) and obs.address != previous))
            previous = obs.address or previous
        for obs, changed in reversed(rows):
            out.append(
                f"  {fmt.clock(obs.first_seen)} → {fmt.clock(obs.last_seen)}  "
                f"{obs.address or '?'}  ({t('dash.net.router_saw')} "
                f"{obs.router_address or '?'})"
            )
            if changed:
                out.append("  " + t("dash.net.change_mark"), style=fmt.UNKNOWN)
            out.append("\n")
        if not net.history:
            out.append("  " + t("dash.net.no_history") + "\n", style=fmt.MUTED)
        self.show_content(out)
