"""Step 7: how outbound mail leaves: directly, or through the ISP smarthost."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from mailcore.queue.relay import RelayClient
from pmemail.config.model import RelayConfig
from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep

TLS_CHOICES = [("STARTTLS", "starttls"), ("TLS (SSL)", "tls"), ("none", "none")]


class OutboundStep(WizardStep):
    """Smarthost settings, prefilled from the ISP profile when port 25 is blocked."""

    STEP = "outbound"

    def compose_body(self) -> Iterable[Widget]:
        """Explanation, the smarthost form, a test-send button."""
        relay = self.pm.config.relay
        blocked = self.pm.wizard.answers.get("checks", {}).get("outbound_25") == "fail"
        yield Static(t("outbound.blocked") if blocked else t("outbound.intro"), id="outbound-intro")
        suggested = self.pm.wizard.answers.get("checks", {}).get("smarthost", "")
        for label, widget in (
            (
                "outbound.host",
                Input(
                    value=relay.host or suggested,
                    id="relay-host",
                    placeholder="relay.skynet.be",
                    compact=True,
                ),
            ),
            (
                "outbound.port",
                Input(value=str(relay.port), id="relay-port", type="integer", compact=True),
            ),
            ("outbound.username", Input(value=relay.username, id="relay-user", compact=True)),
            (
                "outbound.password",
                Input(value=relay.password, id="relay-password", password=True, compact=True),
            ),
        ):
            yield self.form_row(t(label), widget)
        yield self.form_row(
            t("outbound.tls"),
            Select(TLS_CHOICES, value=relay.tls, allow_blank=False, id="relay-tls", compact=True),
        )
        yield Button(t("outbound.test"), id="relay-test", compact=True)
        yield self.form_row(
            t("outbound.send_to"),
            Input(id="relay-send-to", placeholder="you@example.net", compact=True),
        )
        yield Button(t("outbound.send"), id="relay-send", compact=True)
        yield Static("", id="relay-test-result", markup=False)

    def relay_from_form(self) -> RelayConfig | None:
        """The form as a RelayConfig, or None (with an error shown) when invalid."""
        host = self.query_one("#relay-host", Input).value.strip()
        port_text = self.query_one("#relay-port", Input).value.strip() or "0"
        port = int(port_text) if port_text.isdigit() else 0
        if host and not 1 <= port <= 65535:
            self.show_error(t("outbound.bad_port", port=port_text))
            return None
        tls = self.query_one("#relay-tls", Select).value
        return dataclasses.replace(
            self.pm.config.relay,
            host=host,
            port=port or 587,
            tls=tls if tls in ("starttls", "tls", "none") else "starttls",
            username=self.query_one("#relay-user", Input).value.strip(),
            password=self.query_one("#relay-password", Input).value,
            mode="smarthost" if host else "auto",
        )

    @on(Button.Pressed, "#relay-test")
    def test_relay(self) -> None:
        """Connect to the smarthost and log in, in a worker."""
        relay = self.relay_from_form()
        if relay is None or not relay.host:
            return
        self.query_one("#relay-test-result", Static).update(t("outbound.testing"))
        self.run_relay_test(relay)

    @work(thread=True, exclusive=True, group="relay-test")
    def run_relay_test(self, relay: RelayConfig) -> None:
        """The probe itself (network I/O stays off the UI thread)."""
        config = dataclasses.replace(self.pm.config, relay=relay)
        outcome = RelayClient.from_config(config).probe()
        text = ("✔ " if outcome.ok else "✘ ") + outcome.describe()
        self.call_ui(self.query_one("#relay-test-result", Static).update, text)

    @on(Button.Pressed, "#relay-send")
    def send_sample(self) -> None:
        """Send a real test message to the address typed, in a worker."""
        relay = self.relay_from_form()
        to = self.query_one("#relay-send-to", Input).value.strip()
        if relay is None:
            return
        if "@" not in to or " " in to:
            self.show_error(t("outbound.bad_address", address=to))
            return
        self.show_error("")
        self.query_one("#relay-test-result", Static).update(t("outbound.sending"))
        self.run_sample_send(relay, to)

    @work(thread=True, exclusive=True, group="relay-test")
    def run_sample_send(self, relay: RelayConfig, to: str) -> None:
        """Through the relay (or directly to the MX when no relay is set)."""
        from mailcore.queue.sample_send import send_test_message

        config = dataclasses.replace(self.pm.config, relay=relay)
        outcome = send_test_message(config, self.pm.paths.root / "spool", to)
        text = t("outbound.sent", address=to) if outcome.ok else "✘ " + outcome.describe()
        self.call_ui(self.query_one("#relay-test-result", Static).update, text)

    def collect(self) -> dict[str, Any] | None:
        """Save the relay settings to the config."""
        relay = self.relay_from_form()
        if relay is None:
            return None
        self.pm.update_config(dataclasses.replace(self.pm.config, relay=relay))
        return {"smarthost": relay.host}
