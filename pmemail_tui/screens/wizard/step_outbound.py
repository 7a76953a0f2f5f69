"""Step 7: how outbound mail leaves: directly, or through the ISP smarthost."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from textual import on
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from pmemail.app import isp_choice, outbound_actions
from pmemail.app.cert_wording import render
from pmemail.app.relay_decision import RelayReason
from pmemail.app.relay_texts import TEXTS as RELAY_TEXTS
from pmemail.app.relay_wording import explain
from pmemail.config.model import Config, RelayConfig
from pmemail.config.paths import DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import RelayAnswer

TLS_CHOICES = [("STARTTLS", "starttls"), ("TLS (SSL)", "tls"), ("none", "none")]


class OutboundStep(WizardStep):
    """Smarthost settings, prefilled from the ISP profile when port 25 is blocked."""

    STEP = "outbound"
    _confirmed = False  # Next was pressed once after a failed test: the second one goes on

    def intro(self, checks: dict[str, Any]) -> str:
        """Why the relay is needed, or that mail may go directly (the checks' decision)."""
        reason = checks.get("relay_reason", "")
        if not reason:  # answers saved before the decision existed, or no checks run yet
            return (
                t("outbound.blocked")
                if checks.get("outbound_25") == "fail"
                else t("outbound.intro")
            )
        params = {k: str(v) for k, v in checks.get("relay_params", {}).items()}
        return RelayReason(reason, params).words(self.pm.config.language)

    def compose_body(self) -> Iterable[Widget]:
        """Explanation, the smarthost form, a test-send button."""
        relay = self.pm.config.relay
        checks = self.pm.wizard.answers.get("checks", {})
        yield Static(self.intro(checks), id="outbound-intro")
        suggested = checks.get("smarthost", "")
        port, tls = relay.port, relay.tls
        defaults = None if relay.host else isp_choice.relay_defaults(self.pm.config.isp.profile)
        if defaults is not None:  # the ISP picked in the network step
            suggested, port, tls = defaults
        for label, widget in (
            (
                "outbound.host",
                Input(
                    value=relay.host or suggested,
                    id="relay-host",
                    placeholder=t("outbound.host_placeholder"),
                    compact=True,
                ),
            ),
            (
                "outbound.port",
                Input(value=str(port), id="relay-port", type="integer", compact=True),
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
            Select(TLS_CHOICES, value=tls, allow_blank=False, id="relay-tls", compact=True),
        )
        yield Button(t("outbound.test"), id="relay-test", compact=True)
        yield self.form_row(
            t("outbound.send_to"),
            Input(id="relay-send-to", placeholder=t("outbound.send_to_placeholder"), compact=True),
        )
        yield Button(t("outbound.send"), id="relay-send", compact=True)
        yield Static("", id="relay-test-result", markup=False)

    def relay_from_form(self) -> RelayConfig | None:
        """The form as a RelayConfig, or None (with an error shown) when invalid."""
        try:
            return outbound_actions.smarthost_settings(
                self.pm.config.relay,
                host=self.query_one("#relay-host", Input).value,
                port=self.query_one("#relay-port", Input).value,
                tls=str(self.query_one("#relay-tls", Select).value),
                username=self.query_one("#relay-user", Input).value,
                password=self.query_one("#relay-password", Input).value,
            )
        except outbound_actions.BadPort as err:
            self.show_error(t("outbound.bad_port", port=str(err)))
            return None

    @on(Button.Pressed, "#relay-test")
    def test_relay(self) -> None:
        """Connect to the smarthost and log in, in a worker."""
        relay = self.relay_from_form()
        if relay is None or not relay.host:
            return
        self.query_one("#relay-test-result", Static).update(t("outbound.testing"))
        self._confirmed = False
        self.run_in_app(
            self.run_relay_test, self.pm.config, relay, current_language(), group="relay-test"
        )

    def run_relay_test(self, config: Config, relay: RelayConfig, language: str) -> None:
        """The probe itself (network I/O stays off the UI thread), in plain sentences."""
        outcome = outbound_actions.probe_relay(config, relay)
        self.keep_answers({"relay_test_ok": outcome.ok})
        said = explain(outcome, relay)
        self.post_message(RelayAnswer("\n".join(s.words(language) for s in said)))

    @on(Button.Pressed, "#relay-send")
    def send_sample(self) -> None:
        """Send a real test message to the address typed, in a worker."""
        relay = self.relay_from_form()
        to = self.query_one("#relay-send-to", Input).value.strip()
        if relay is None:
            return
        if not outbound_actions.valid_recipient(to):
            self.show_error(t("outbound.bad_address", address=to))
            return
        self.show_error("")
        self.query_one("#relay-test-result", Static).update(t("outbound.sending"))
        self.run_in_app(
            self.run_sample_send,
            self.pm.config,
            self.pm.paths,
            relay,
            to,
            t("outbound.sent", address=to),
            group="relay-test",
        )

    def run_sample_send(
        self, config: Config, paths: DataPaths, relay: RelayConfig, to: str, sent: str
    ) -> None:
        """Through the relay (or directly to the MX when no relay is set)."""
        outcome = outbound_actions.send_sample(config, paths, relay, to)
        self.post_message(RelayAnswer(sent if outcome.ok else "✘ " + outcome.describe()))

    def on_relay_answer(self, message: RelayAnswer) -> None:
        """What the smarthost said, under the buttons."""
        self.query_one("#relay-test-result", Static).update(message.text)

    def collect(self) -> dict[str, Any] | None:
        """Save the relay settings to the config; after a failed test, or with a password
        that would go in clear, only on the second Next (the first says why)."""
        relay = self.relay_from_form()
        if relay is None:
            return None
        doubts = []
        if self.answers.get("relay_test_ok") is False:
            doubts.append("relay.confirm_failed")
        if relay.host and relay.tls == "none" and relay.password:
            doubts.append("relay.clear_password")
        if doubts and not self._confirmed:
            self._confirmed = True
            language = current_language()
            if "relay.confirm_failed" not in doubts:  # that one already says Next again
                doubts.append("relay.confirm_again")
            self.show_error(" ".join(render(RELAY_TEXTS, d, language) for d in doubts))
            return None
        self.pm.update_config(dataclasses.replace(self.pm.config, relay=relay))
        return {"smarthost": relay.host}
