"""Step 10: the client settings of every user, exportable, and what is left to do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.widget import Widget
from textual.widgets import Button, Static

from mailcore.users import UserStore
from pmemail.app.cert_wording import format_date
from pmemail.app.client_settings import settings_for
from pmemail.app.verdict_texts import verdict_lines
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep

EXPORT_NAME = "client-settings.txt"


class SummaryStep(WizardStep):
    """Per-user settings (IMAP/POP3, SMTP 1234, webmail) and the to-do list."""

    STEP = "summary"

    def settings_text(self) -> str:
        """Every user's settings as one printable text."""
        users = UserStore.from_config(self.pm.config, self.pm.paths).list_users()
        # kept by the launch step once the certificate was obtained (empty when trusted)
        kept = self.pm.wizard.answers.get("launch", {}).get("certificate", {})
        fingerprint = str(kept.get("fingerprint", ""))
        language = current_language()
        blocks = [
            settings_for(self.pm.config, u.address, u.protocol, fingerprint).as_text(language)
            for u in users
        ]
        return "\n\n".join(blocks) or t("summary.no_users")

    def compose_body(self) -> Iterable[Widget]:
        """Settings, to-do list, export button."""
        yield Static(t("summary.intro"))
        yield Static(self.settings_text(), id="settings", markup=False)
        yield Static(self.verdict_text(), id="summary-verdict", markup=False)
        todo = self.todo()
        if todo:
            yield Static(t("summary.todo") + "\n" + "\n".join(f"• {x}" for x in todo), id="todo")
        yield Button(t("summary.export"), id="export", compact=True)

    def verdict_text(self) -> str:
        """The latest checks' verdict, with when and after which step it was taken."""
        checks = self.pm.wizard.answers.get("checks", {})
        when = checks.get("checked_at")
        if not isinstance(when, (int, float)):
            return t("summary.verdict_none")
        after = str(checks.get("checked_after", "checks"))
        language = current_language()
        # answers saved before the message ids were kept have the English words only
        verdict = {
            "summary": checks.get("verdict_summary", ""),
            "hosting": checks.get("hosting", ""),
            "messages": checks.get("verdict_messages", {}),
        }
        return t(
            "summary.verdict",
            time=format_date(when, language, with_time=True),
            step=t(f"step.{after}.title"),
            verdict=verdict_lines(verdict, language)[0],
        )

    def todo(self) -> list[str]:
        """What the earlier steps left open."""
        answers = self.pm.wizard.answers
        items = []
        if not answers.get("forward", {}).get("all_mapped"):
            items.append(t("summary.todo_forward"))
        if answers.get("checks", {}).get("verdict_status") in ("fail", "warn"):
            items.append(t("summary.todo_checks"))
        if answers.get("launch", {}).get("certificate", {}).get("trusted") is False:
            items.append(t("summary.todo_certificate"))
        if not answers.get("launch", {}).get("service_enabled"):
            items.append(t("summary.todo_service"))
        items.append(t("summary.todo_dns"))
        return items

    @on(Button.Pressed, "#export")
    def export(self) -> None:
        """Write the settings next to the config file."""
        target = self.pm.config_path.parent / EXPORT_NAME
        target.write_text(self.settings_text() + "\n", encoding="utf-8")
        self.notify(t("summary.exported", path=str(target)))

    def collect(self) -> dict[str, Any] | None:
        """Nothing to validate: finishing opens the dashboard."""
        return {"done": True}
