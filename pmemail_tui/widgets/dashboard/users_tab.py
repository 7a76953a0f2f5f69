"""The dashboard's Users tab: the mailboxes and aliases, and the buttons that change them.

The tab reads the user store (sqlite, milliseconds) to draw its table; every
change runs through :mod:`pmemail.app.user_actions` in the screen's action
worker: the tab only posts a :class:`UsersTab.Request` with the call to make.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button

from mailcore.users import UserStore
from pmemail.app import user_actions
from pmemail.app.action_result import ActionResult
from pmemail.config import Config, DataPaths
from pmemail_tui.i18n import t
from pmemail_tui.widgets.dashboard.held_section import HeldSection
from pmemail_tui.widgets.dashboard.panels import SteadyTable
from pmemail_tui.widgets.user_form import UserFormModal

BUTTONS = ("add", "password", "protocol", "alias", "remove")
"""One button per change, ``#dash-user-<name>``."""


class UsersTab(Vertical):
    """The table of users and aliases, then one button per change."""

    @dataclass
    class Request(Message):
        """Run ``call`` as the dashboard's Users action (a worker)."""

        call: Callable[[], ActionResult]

    def __init__(self, config: Config, paths: DataPaths, id: str | None = None) -> None:
        """The tab for the user store of ``config``."""
        super().__init__(id=id)
        self.config = config
        self.paths = paths

    def compose(self) -> ComposeResult:
        """Table and buttons."""
        yield SteadyTable(id="dash-users", cursor_type="row")
        with Horizontal(id="dash-user-buttons"):
            for name in BUTTONS:
                yield Button(t(f"dash.users.{name}"), id=f"dash-user-{name}", compact=True)
        yield HeldSection(self.config, self.paths, self._run, id="dash-held-section")

    def on_mount(self) -> None:
        """Columns, then the rows."""
        table = self.query_one("#dash-users", SteadyTable)
        table.add_columns(t("users.col.address"), t("users.col.protocol"), t("users.col.name"))
        self._read_users()

    def reload(self) -> None:
        """Read the user store and the held messages again."""
        self._read_users()
        self.query_one(HeldSection).reload()

    def _read_users(self) -> None:
        store = UserStore.from_config(self.config, self.paths)
        rows: list[tuple[str | None, tuple[str, ...]]] = [
            (u.address, (u.address, u.protocol.upper(), u.display_name)) for u in store.list_users()
        ]
        rows += [(None, (a.address, "→", a.target)) for a in store.list_aliases()]
        self.query_one("#dash-users", SteadyTable).set_rows(rows)

    def selected(self) -> str:
        """The address under the cursor ("" none, or an alias row)."""
        table = self.query_one("#dash-users", SteadyTable)
        if not table.row_count:
            return ""
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key and "@" in str(key) else ""

    @on(Button.Pressed, "#dash-user-buttons Button")
    def _pressed(self, event: Button.Pressed) -> None:
        what = (event.button.id or "").removeprefix("dash-user-")
        config, paths, address = self.config, self.paths, self.selected()
        if what == "add":
            self._ask(("address", "name", "password", "protocol"), what, address)
        elif not address:
            self.notify(t("dash.users.pick"), severity="warning")
        elif what == "password":
            self._ask(("password",), what, address)
        elif what == "alias":
            self._ask(("alias",), what, address)
        elif what == "protocol":
            self._run(functools.partial(user_actions.switch_protocol, config, paths, address))
        elif what == "remove":
            self._confirm_remove(address)

    def _ask(self, fields: tuple[str, ...], what: str, address: str) -> None:
        title = t(f"dash.users.title.{what}", address=address)

        def answered(values: dict[str, str] | None) -> None:
            if values is None:
                return
            config, paths = self.config, self.paths
            if what == "add":
                self._run(
                    functools.partial(
                        user_actions.add_user,
                        config,
                        paths,
                        values["address"],
                        values["password"],
                        values["protocol"],
                        values["name"],
                    )
                )
            elif what == "password":
                change = user_actions.set_password
                self._run(functools.partial(change, config, paths, address, values["password"]))
            elif what == "alias":
                alias = user_actions.add_alias
                self._run(functools.partial(alias, config, paths, values["alias"], address))

        self.app.push_screen(UserFormModal(title, fields), answered)

    def _confirm_remove(self, address: str) -> None:
        from pmemail_tui.widgets.confirm_modal import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                call = user_actions.remove_user
                self._run(functools.partial(call, self.config, self.paths, address))

        question = t("dash.users.remove_confirm", address=address)
        self.app.push_screen(ConfirmModal(question, t("dash.users.remove")), answered)

    def _run(self, call: Callable[[], ActionResult]) -> None:
        self.post_message(self.Request(call))
