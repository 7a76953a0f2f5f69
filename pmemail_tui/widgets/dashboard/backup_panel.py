"""The Overview's backup lines: last success (when, size), next run, last failure.

The facts come with each local snapshot (``LocalSnapshot.backup``: the
running server's ``backup`` status, else the recorded result); the panel
only words them in the dashboard's language.
"""

from __future__ import annotations

from rich.text import Text

from pmemail.app import status_snapshot
from pmemail.app.backup_actions import BackupFacts
from pmemail_tui.i18n import current_language, t
from pmemail_tui.widgets.dashboard import format as fmt
from pmemail_tui.widgets.dashboard.panels import SteadyStatic


class BackupPanel(SteadyStatic):
    """Backups in three lines at most, a failure in red."""

    def show(self, facts: BackupFacts | None, running: bool) -> None:
        """Render ``facts``; ``running``: whether a server schedules the next run."""
        out = Text(t("dash.backup.title") + "\n", style="bold")
        if facts is None:
            self.show_content(out)
            return
        status = facts.status
        last, interval = status.get("last_success"), status.get("interval", 0.0)
        if last:
            ago = fmt.duration(max(0.0, status_snapshot.clock() - last), current_language())
            line = t(
                "dash.backup.last",
                when=fmt.clock(last),
                ago=ago,
                name=status.get("last_name", ""),
                size=fmt.size(status.get("last_size", 0), current_language()),
            )
            out.append(line, style=fmt.GOOD)
        else:
            out.append(t("dash.backup.never"), style=fmt.UNKNOWN)
        out.append("\n")
        period = fmt.duration(interval, current_language())
        next_run = status.get("next_run")
        if interval <= 0:
            out.append(t("dash.backup.unscheduled"), style=fmt.MUTED)
        elif next_run and running:
            out.append(t("dash.backup.next", when=fmt.clock(next_run), period=period))
        else:
            out.append(t("dash.backup.next_stopped", period=period), style=fmt.UNKNOWN)
        error = facts.error_words(current_language())
        if error:
            when = fmt.clock(status.get("last_failure"))
            out.append("\n" + t("dash.backup.failed", when=when, error=error), style=fmt.BAD)
        self.show_content(out)
