"""The dashboard's user administration: add, remove, password, protocol, aliases.

Each call opens the same user store the CLI's ``pmemail users`` opens
(``mailcore.users.UserStore``) and reports an :class:`ActionResult` by message
id; a refusal is an :class:`ActionError` worded by ``user_texts``. Blocking
(argon2id hashing): call from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mailcore.interfaces import AccessProtocol
from mailcore.users import UserError, UserStore
from pmemail.app.action_result import ActionError, ActionResult
from pmemail.app.user_texts import user_error_words
from pmemail.config import Config, DataPaths

MIN_PASSWORD = 8
"""The wizard's rule: at least 8 characters."""

T = TypeVar("T")


def _store(config: Config, paths: DataPaths) -> UserStore:
    return UserStore.from_config(config, paths)


def _refused(call: Callable[[], T]) -> T:
    """``call()``, a user-store refusal as an ActionError that keeps its words in both languages."""
    try:
        return call()
    except UserError as err:
        raise _UserRefusal(err) from None


class _UserRefusal(ActionError):
    """A :class:`UserError` carried as an action error (worded by ``user_texts``)."""

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error

    def words(self, language: str) -> str:
        """The refusal in ``language``."""
        return user_error_words(self.error, language)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ActionError.said("users.short_password", minimum=MIN_PASSWORD)


def add_user(
    config: Config, paths: DataPaths, address: str, password: str, protocol: str, name: str = ""
) -> ActionResult:
    """Create a mailbox."""
    _check_password(password)
    store = _store(config, paths)
    user = _refused(lambda: store.add_user(address, password, protocol, name))  # type: ignore[arg-type]
    return ActionResult.said("users.added", address=user.address, protocol=user.protocol)


def remove_user(config: Config, paths: DataPaths, address: str) -> ActionResult:
    """Delete a user (its Maildir stays on disk)."""
    _refused(lambda: _store(config, paths).remove_user(address))
    return ActionResult.said("users.removed", address=address)


def set_password(config: Config, paths: DataPaths, address: str, password: str) -> ActionResult:
    """Change a user's password."""
    _check_password(password)
    _refused(lambda: _store(config, paths).set_password(address, password))
    return ActionResult.said("users.password_set", address=address)


def switch_protocol(config: Config, paths: DataPaths, address: str) -> ActionResult:
    """IMAP becomes POP3 and POP3 becomes IMAP."""
    store = _store(config, paths)
    user = _refused(lambda: store.get(address))
    if user is None:
        raise _UserRefusal(UserError(f"no such user: {address}", "no_user", address=address))
    protocol: AccessProtocol = "pop3" if user.protocol == "imap" else "imap"
    _refused(lambda: store.set_protocol(address, protocol))
    return ActionResult.said("users.protocol_set", address=address, protocol=protocol)


def add_alias(config: Config, paths: DataPaths, alias: str, target: str) -> ActionResult:
    """Deliver mail for ``alias`` to ``target``."""
    made = _refused(lambda: _store(config, paths).add_alias(alias, target))
    return ActionResult.said("users.alias_added", alias=made.address, target=made.target)
