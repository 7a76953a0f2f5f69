"""The dashboard after the hand-over to Postfix and Dovecot (``server.mail_engine``).

``pmemail serve`` keeps running then, for the network side only (router
leases, dynamic DNS, backups, certificates): its services are the usual
rows, and the Overview's services table adds each mail port with the program
listening on it, never pmemail's mail services as failed (the server does
not run them). Stopped, the server line says who serves the mail and what
waits for ``pmemail serve``. The network side (router, reach) is the Ports
tab's, as before.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from pmemail.app.mail_engine import HANDED_OVER, MAIL_PORTS
from pmemail.app.status_snapshot import LocalPort, LocalSnapshot
from pmemail_tui.i18n import t
from pmemail_tui.widgets.dashboard import format as fmt

Row = tuple[str | None, tuple[Any, ...]]


def _handed_over(snap: LocalSnapshot) -> bool:
    return snap.engine == HANDED_OVER


def engine_bar(snap: LocalSnapshot) -> Text | None:
    """The server line after the hand-over with ``pmemail serve`` stopped (None: pmemail
    serves the mail, or its server runs and has its usual line)."""
    if not _handed_over(snap) or snap.running:
        return None
    return Text("○ " + t("dash.engine.bar"), style=fmt.BAD)


def engine_service_rows(snap: LocalSnapshot) -> list[Row] | None:
    """One row per mail port of this machine and who serves it (None: not handed over);
    the running server's own (network side) rows follow them."""
    if not _handed_over(snap):
        return None
    ports = {p.name: p for p in snap.ports}
    rows: list[Row] = []
    for name, expected in MAIL_PORTS.items():
        port = ports.get(name)
        if port is None or not port.enabled or port.listening is None:
            continue
        if port.listening:
            state = Text(t("dash.engine.served_by", program=port.program or "?"), style=fmt.GOOD)
        else:
            state = Text(t("dash.engine.not_served", expected=expected), style=fmt.BAD)
        label = fmt.known(f"dash.service.{name}", name)
        rows.append((name, (label, state, f":{port.internal}", "-", "")))
    return rows


def down_reason(snap: LocalSnapshot | None, port: LocalPort) -> str | None:
    """Why a mail port does not listen after the hand-over (None: the usual reason)."""
    if snap is None or snap.engine != HANDED_OVER or port.name not in MAIL_PORTS:
        return None
    return t("dash.why.engine_down", port=port.internal, expected=MAIL_PORTS[port.name])
