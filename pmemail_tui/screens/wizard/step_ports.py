"""Step 5: the port plan, the target PC for remote desktop, and why not a DMZ."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from pmemail.app.forwarding_status import off_lan_target
from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep


class PortsStep(WizardStep):
    """Shows each forwarded port and lets the admin set the remote-desktop PC."""

    STEP = "ports"

    def compose_body(self) -> Iterable[Widget]:
        """The plan table, the 20800 target, the DMZ paragraph."""
        table: DataTable[str] = DataTable(id="plan", cursor_type="row", zebra_stripes=True)
        table.add_columns(t("ports.col.external"), t("ports.col.service"), t("ports.col.target"))
        for name, m in self.pm.config.ports.items():
            if not m.enabled:
                continue
            host = m.internal_host or t("ports.this_machine")
            table.add_row(
                f"{m.external}/{m.protocol}", t(f"service.{name}"), f"{host}:{m.internal}", key=name
            )
        yield table
        yield Static(t("ports.rdp_target"), id="rdp-label")
        rdp = self.pm.config.ports.remote_desktop
        yield self.form_row(
            t("ports.rdp_host"),
            Input(
                value=self.answers.get("remote_desktop_host", rdp.internal_host),
                placeholder="192.168.1.20",
                id="rdp-host",
                compact=True,
            ),
        )
        for warning in self.warnings():
            yield Static(f"⚠ {warning}", classes="warning")
        yield Static(t("ports.why_not_dmz"), id="why-not-dmz")

    def warnings(self) -> list[str]:
        """Plan problems worth telling before anything is sent to the router."""
        found = []
        plan = self.pm.config.ports
        if plan.webmail.enabled and plan.webmail.external == 80 and self.pm.port_busy(80):
            found.append(t("ports.warn_port80"))
        return found

    def collect(self) -> dict[str, Any] | None:
        """Validate the remote-desktop PC address."""
        host = self.query_one("#rdp-host", Input).value.strip()
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            self.show_error(t("ports.bad_host", host=host))
            return None
        if not address.is_private:
            self.show_error(t("ports.host_not_lan", host=host))
            return None
        off = off_lan_target(self.pm.config, host)
        if off is not None:
            network, seen = off
            self.show_error(
                t("ports.host_off_lan", host=host, network=network, seen=", ".join(seen) or "-")
            )
            return None
        self.pm.update_port_host("remote_desktop", host)
        return {"remote_desktop_host": host}
