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
# RFC 2606 / 6761 names: the placeholder (example.be) and its kind are never an office's
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})


def is_example(domain: str) -> bool:
    """``example.be``, ``mail.example.com``, ``x.test``...: names reserved for examples."""
    labels = domain.split(".")
    return labels[-1] in RESERVED_TLDS or (len(labels) >= 2 and labels[-2] == "example")


class DomainStep(WizardStep):
    """Asks for the domain and host name; shows the records the admin must publish."""

    STEP = "domain"
    _domain_typed = ""  # the domain the server name follows while it is mail.<domain>
    _refused: tuple[str, str] = ("", "")  # the values the error line is about

    def _values(self) -> tuple[str, str]:
        return self.query_value("domain", ""), self.query_value("hostname", "")

    def refuse(self, text: str) -> None:
        """Show why Next refused the values typed now."""
        self._refused = self._values()
        self.show_error(text)

    def compose_body(self) -> Iterable[Widget]:
        """Two inputs and the records to publish."""
        mail = self.pm.config.mail
        yield Static(t("domain.intro"))
        yield self.form_row(
            t("domain.domain"),
            Input(
                value=mail.domain,
                id="domain",
                placeholder=t("domain.domain_placeholder"),
                compact=True,
            ),
        )
        yield self.form_row(
            t("domain.hostname"),
            Input(
                value=mail.hostname,
                id="hostname",
                placeholder=t("domain.hostname_placeholder"),
                compact=True,
            ),
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
        """Keep the server name (while it is mail.<domain>) and the records in step with
        what is typed; an error about values no longer there goes."""
        # a Changed event can arrive after Next judged the same values: keep that error
        if self._values() != self._refused:
            self.show_error("")
        if event.input.id == "domain":
            previous = self._domain_typed or self.pm.config.mail.domain
            self._domain_typed = self.query_value("domain", "")
            host = self.query_one("#hostname", Input)
            if host.value.strip().lower() in ("", f"mail.{previous}") and self._domain_typed:
                host.value = f"mail.{self._domain_typed}"
        self.query_one("#records", Static).update(self.records_text())

    def collect(self) -> dict[str, Any] | None:
        """Validate both names and save them to the config."""
        domain = self.query_value("domain", "")
        host = self.query_value("hostname", "")
        for value in (domain, host):
            if not DOMAIN_RE.match(value):
                self.refuse(t("domain.invalid", value=value))
                return None
            if is_example(value):
                self.refuse(t("domain.example", value=value))
                return None
        if not (host == domain or host.endswith("." + domain)):
            self.refuse(t("domain.host_outside", host=host, domain=domain))
            return None
        config = self.pm.config
        mail = dataclasses.replace(config.mail, domain=domain, hostname=host)
        self.pm.update_config(dataclasses.replace(config, mail=mail))
        return {"domain": domain, "hostname": host}
