"""Step 4: the mail domain and host name, and the DNS records to publish."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from textual.widget import Widget
from textual.widgets import Input, Static

from pmemail_tui.i18n import t
from pmemail_tui.screens.wizard.base import WizardStep

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainStep(WizardStep):
    """Asks for the domain and host name; shows the records the admin must publish."""

    STEP = "domain"

    def compose_body(self) -> Iterable[Widget]:
        """Two inputs and the records to publish."""
        mail = self.pm.config.mail
        yield Static(t("domain.intro"))
        yield self.form_row(
            t("domain.domain"),
            Input(value=mail.domain, id="domain", placeholder="example.be", compact=True),
        )
        yield self.form_row(
            t("domain.hostname"),
            Input(value=mail.hostname, id="hostname", placeholder="mail.example.be", compact=True),
        )
        yield Static(t("domain.records_intro"))
        yield Static(self.records_text(), id="records", markup=False)

    def records_text(self) -> str:
        """The DNS records for the current answers (public address when known)."""
        from pmemail.app.dns_publish import planned_records, zone_text

        domain = self.query_value("domain", self.pm.config.mail.domain)
        host = self.query_value("hostname", self.pm.config.mail.hostname)
        config = self.pm.config
        typed = dataclasses.replace(config.mail, domain=domain, hostname=host)
        # no key made per keystroke: `pmemail init` made the first, the server makes the rest
        records = planned_records(
            dataclasses.replace(config, mail=typed), self.pm.paths, make_keys=False
        )
        return "\n".join(zone_text(r, config.language) for r in records)

    def query_value(self, widget_id: str, default: str) -> str:
        """An input's value, or ``default`` before the input exists."""
        found = self.query(f"#{widget_id}")
        if not found:
            return default
        value = found.first(Input).value.strip().lower().rstrip(".")
        return value or default

    def on_input_changed(self, event: Input.Changed) -> None:
        """Keep the records in step with what is typed."""
        self.query_one("#records", Static).update(self.records_text())

    def collect(self) -> dict[str, Any] | None:
        """Validate both names and save them to the config."""
        domain = self.query_value("domain", "")
        host = self.query_value("hostname", "")
        for value in (domain, host):
            if not DOMAIN_RE.match(value):
                self.show_error(t("domain.invalid", value=value))
                return None
        if not (host == domain or host.endswith("." + domain)):
            self.show_error(t("domain.host_outside", host=host, domain=domain))
            return None
        config = self.pm.config
        mail = dataclasses.replace(config.mail, domain=domain, hostname=host)
        self.pm.update_config(dataclasses.replace(config, mail=mail))
        return {"domain": domain, "hostname": host}
