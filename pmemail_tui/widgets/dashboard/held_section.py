"""The Users tab's held section: messages the ISP collector left at the ISP.

The table reads the collector's state file (milliseconds); a decision runs
through :mod:`pmemail.app.collector_held` (the same use cases as ``pmemail
collector assign|drop``) in the dashboard's action worker, posted as a
:class:`UsersTab.Request` like the user changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from mailcore.collector.held import HeldMessage
from pmemail.app import collector_held
from pmemail.app.action_result import ActionError, ActionResult
from pmemail.app.cert_wording import format_date
from pmemail.config import Config, DataPaths
from pmemail_tui.i18n import current_language, t
from pmemail_tui.widgets.dashboard import format as fmt
from pmemail_tui.widgets.dashboard.panels import SteadyTable


def _decide(paths: DataPaths, language: str, record: Callable[[], str]) -> ActionResult:
    """Record a decision, wake a running collector; the result in ``language``."""
    try:
        done = record()
    except collector_held.HeldError as err:
        raise ActionError(err.text(language)) from None
    collector_held.wake_collector(paths)
    return ActionResult(done)


def assign(config: Config, paths: DataPaths, held: HeldMessage, user: str) -> ActionResult:
    """Deliver ``held`` to local ``user`` (worker side)."""
    language = current_language()

    def record() -> str:
        collector_held.assign(config, paths, held.uid, user, held.mailbox)
        return collector_held.say("assign.done", language, uidl=held.uid, user=user)

    return _decide(paths, language, record)


def drop(config: Config, paths: DataPaths, held: HeldMessage) -> ActionResult:
    """Delete ``held`` at the ISP (worker side)."""
    language = current_language()

    def record() -> str:
        collector_held.drop(config, paths, held.uid, held.mailbox)
        return collector_held.say("drop.done", language, uidl=held.uid)

    return _decide(paths, language, record)


class HeldSection(Vertical):
    """Title, the held messages, and the deliver and delete buttons."""

    def __init__(
        self,
        config: Config,
        paths: DataPaths,
        run: Callable[[Callable[[], ActionResult]], None],
        id: str | None = None,
    ) -> None:
        """The held messages of ``config``'s ISP mailboxes; ``run`` posts a change."""
        super().__init__(id=id)
        self.config = config
        self.paths = paths
        self.run = run
        self.held: dict[str, HeldMessage] = {}

    def compose(self) -> ComposeResult:
        """Title, table, buttons."""
        yield Static(t("dash.held.title"), id="dash-held-title", markup=False)
        yield SteadyTable(id="dash-held", cursor_type="row")
        with Horizontal(id="dash-held-buttons"):
            yield Button(t("dash.held.assign"), id="dash-held-assign", compact=True)
            yield Button(t("dash.held.drop"), id="dash-held-drop", compact=True)

    def on_mount(self) -> None:
        """Columns, then the rows."""
        table = self.query_one(SteadyTable)
        table.add_columns(
            *(t(f"dash.held.col.{c}") for c in ("sender", "subject", "size", "date", "mailbox"))
        )
        self.reload()

    def reload(self) -> None:
        """Read the collector's held messages again; hidden when there is none."""
        language = current_language()
        held = collector_held.list_held(self.config, self.paths)
        self.held = {f"{m.mailbox} {m.uid}": m for m in held}
        self.display = bool(held)
        self.query_one(SteadyTable).set_rows(
            [
                (
                    key,
                    (
                        m.held.sender or "?",
                        m.held.subject,
                        fmt.size(m.held.size, language),
                        format_date(m.held.since, language, with_time=True),
                        m.mailbox,
                    ),
                )
                for key, m in self.held.items()
            ]
        )

    def selected(self) -> HeldMessage | None:
        """The held message under the cursor."""
        table = self.query_one(SteadyTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.held.get(str(key))

    @on(Button.Pressed, "#dash-held-buttons Button")
    def _pressed(self, event: Button.Pressed) -> None:
        from pmemail_tui.widgets.confirm_modal import ConfirmModal
        from pmemail_tui.widgets.user_form import UserFormModal

        held = self.selected()
        if held is None:
            self.notify(t("dash.held.pick"), severity="warning")
            return
        config, paths, sender = self.config, self.paths, held.held.sender or "?"
        if event.button.id == "dash-held-assign":

            def to_whom(values: dict[str, str] | None) -> None:
                if values and values["recipient"]:
                    self.run(functools.partial(assign, config, paths, held, values["recipient"]))

            title = t("dash.held.title.assign", sender=sender)
            self.app.push_screen(UserFormModal(title, ("recipient",)), to_whom)
        else:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.run(functools.partial(drop, config, paths, held))

            question = t("dash.held.drop_confirm", sender=sender, subject=held.held.subject)
            self.app.push_screen(ConfirmModal(question, t("dash.held.drop")), answered)
