"""Step 8: add the staff (name, address, password, IMAP or POP3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, RadioButton, RadioSet, Static

from mailcore.users import UserError, UserStore
from pmemail.app.cert_wording import render
from pmemail.app.user_entry import MIN_LENGTH, EntryProblem, check_password, user_address
from pmemail.app.user_entry_texts import TEXTS
from pmemail.app.user_texts import user_error_words
from pmemail_tui.i18n import current_language, t
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.messages import UserAdded


class UsersStep(WizardStep):
    """A small form that adds users to the store, and the list of users so far."""

    STEP = "users"

    def store(self) -> UserStore:
        """The user store of the current config."""
        return UserStore.from_config(self.pm.config, self.pm.paths)

    def compose_body(self) -> Iterable[Widget]:
        """Form and table."""
        yield Static(t("users.intro", domain=self.pm.config.mail.domain))
        domain = self.pm.config.mail.domain
        yield self.form_row(
            t("users.name"),
            Input(id="user-name", placeholder=t("users.name_placeholder"), compact=True),
        )
        yield self.form_row(
            t("users.address"),
            Input(
                id="user-address",
                placeholder=t("users.address_placeholder", domain=domain),
                compact=True,
            ),
        )
        yield self.form_row(
            t("users.password"),
            Input(
                id="user-password",
                password=True,
                placeholder=t("users.password_placeholder", minimum=MIN_LENGTH),
                compact=True,
            ),
        )
        with Horizontal(classes="form-row"):
            yield Label(t("users.protocol"))
            with RadioSet(id="user-protocol", compact=True):
                yield RadioButton(t("users.imap"), value=True, id="proto-imap")
                yield RadioButton(t("users.pop3"), id="proto-pop3")
        yield Button(t("users.add"), id="user-add", compact=True)
        table: DataTable[str] = DataTable(id="user-table", cursor_type="row")
        table.add_columns(t("users.col.address"), t("users.col.protocol"), t("users.col.name"))
        yield table

    def on_mount(self) -> None:
        """Show the users that already exist."""
        self.refresh_table()

    def refresh_table(self) -> None:
        """Reload the table from the store."""
        table = self.query_one("#user-table", DataTable)
        table.clear()
        for user in self.store().list_users():
            table.add_row(user.address, user.protocol.upper(), user.display_name)

    @on(Button.Pressed, "#user-add")
    def add_user(self) -> None:
        """Validate the form and add the user (the password never leaves this screen)."""
        password = self.query_one("#user-password", Input).value
        name = self.query_one("#user-name", Input).value.strip()
        pressed = self.query_one("#user-protocol", RadioSet).pressed_button
        protocol = "pop3" if pressed is not None and pressed.id == "proto-pop3" else "imap"
        try:  # a bare name gets the domain; the policy every entry point shares
            address = user_address(
                self.query_one("#user-address", Input).value, self.pm.config.mail.domain
            )
            check_password(address, password)
        except EntryProblem as err:
            self.show_error(render(TEXTS, err.msgid, current_language(), **err.params))
            return
        self.show_error(t("users.adding"))
        self.query_one("#user-add", Button).disabled = True
        # the app owns the run: a user being added is added even if the admin goes on
        self.run_in_app(
            self.store_user, self.store(), address, password, protocol, name, group="users"
        )

    def store_user(
        self, store: UserStore, address: str, password: str, protocol: str, name: str
    ) -> None:
        """Hashing the password (argon2id) takes a moment: off the UI thread."""
        try:
            store.add_user(
                address,
                password,
                protocol,  # type: ignore[arg-type]
                display_name=name,
            )
        except UserError as err:
            self.post_message(UserAdded(user_error_words(err, current_language())))
        else:
            self.post_message(UserAdded(""))

    def on_user_added(self, message: UserAdded) -> None:
        """Show the result; clear the form on success."""
        self.query_one("#user-add", Button).disabled = False
        self.show_error(message.error)
        if not message.error:
            for widget_id in ("#user-address", "#user-password", "#user-name"):
                self.query_one(widget_id, Input).value = ""
            self.refresh_table()

    def collect(self) -> dict[str, Any] | None:
        """At least one user is needed to go on."""
        users = self.store().list_users()
        if not users:
            self.show_error(t("users.none_yet"))
            return None
        return {"users": [u.address for u in users]}
