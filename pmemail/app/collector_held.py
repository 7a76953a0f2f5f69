"""The admin's view of held collector messages: list them, assign one to a user, drop one.

UI-free use cases for ``pmemail collector held|assign|drop`` (and any screen
that wants them). Nothing here talks to the ISP: a decision is written for
the collector, which carries it out at its next run
(``mailcore.collector.held``). Failures are :class:`HeldError` with a message
id of :mod:`pmemail.app.collector_texts` and its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mailcore.collector.held import (
    Action,
    Decision,
    HeldMessage,
    held_messages,
    key_of,
    write_decision,
)
from mailcore.collector.routing import resolve
from mailcore.users import UserStore
from pmemail.app.cert_wording import render
from pmemail.app.collector_texts import TEXTS
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


class HeldError(Exception):
    """An assignment or drop that cannot be recorded: a message id and its parameters."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params

    def text(self, language: str) -> str:
        """The sentence in ``language`` (``en`` or ``fr``)."""
        return say(self.msgid, language, **self.params)


def say(msgid: str, language: str, **values: object) -> str:
    """Sentence ``msgid`` of the collector catalogue in ``language``, filled."""
    return render(TEXTS, msgid, language, **values)


def last_error_text(errors: Sequence[Mapping[str, Any]], english: str, language: str) -> str:
    """The collector's last failures (``errors`` of its status) in ``language``.

    ``english`` (``last_error``) is the answer of a server that sends no ``errors``
    (an older one) or whose ids this catalogue does not know (a newer one).
    """
    words = []
    for error in errors:
        msgid = f"last_error.{error.get('code', '')}"
        params = error.get("params")
        if msgid not in TEXTS or not isinstance(params, Mapping):
            return english
        words.append(say(msgid, language, **params))
    return "; ".join(words) if words else english


def list_held(config: Config, paths: DataPaths) -> list[HeldMessage]:
    """Every held message of the configured ISP mailboxes, oldest first."""
    return held_messages(paths.state, config.collector.mailboxes)


def _find(config: Config, paths: DataPaths, uidl: str, mailbox: str) -> HeldMessage:
    found = [m for m in list_held(config, paths) if m.uid == uidl and mailbox in ("", m.mailbox)]
    if not found:
        raise HeldError("error.not_held", uidl=uidl)
    if len(found) > 1:
        raise HeldError("error.ambiguous", uidl=uidl, mailboxes=", ".join(m.mailbox for m in found))
    return found[0]


def _decide(
    config: Config, paths: DataPaths, held: HeldMessage, action: Action, to: str = ""
) -> None:
    box = next(
        b for b in config.collector.mailboxes if f"{b.username}@{b.host}:{b.port}" == held.mailbox
    )
    write_decision(paths.state, Decision(key_of(box), held.uid, action, to))


def assign(config: Config, paths: DataPaths, uidl: str, user: str, mailbox: str = "") -> str:
    """Have held message ``uidl`` delivered to ``user`` at the next run; returns the address.

    Raises:
        HeldError: no such held message, several, or ``user`` is not local.
    """
    held = _find(config, paths, uidl, mailbox)
    if not resolve(UserStore.from_config(config, paths), user):
        raise HeldError("error.unknown_user", user=user)
    _decide(config, paths, held, "assign", user)
    return user


def drop(config: Config, paths: DataPaths, uidl: str, mailbox: str = "") -> None:
    """Have held message ``uidl`` deleted at the ISP at the next run.

    Raises:
        HeldError: no such held message, or several.
    """
    _decide(config, paths, _find(config, paths, uidl, mailbox), "drop")


def wake_collector(paths: DataPaths) -> None:
    """Ask a running server to fetch now, so a decision is carried out at once.

    No server running is fine: the collector's next run (at its start) does it.
    """
    from pmemail.serve.control import ControlError, query_control_sync

    try:
        query_control_sync(paths.control_socket, {"cmd": "collector-run"})
    except ControlError:  # not running (NotRunning is one): the next start does it
        pass
