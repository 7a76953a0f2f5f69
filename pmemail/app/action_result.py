"""What a one-click action (dashboard, wizard) reports back: a result or one error line.

Both carry a message id of :mod:`pmemail.app.action_texts` with its parameters,
so each screen words them in its own language (``words(language)``); ``message``
/ ``str()`` is the English text, for logs and older callers. An action may still
pass a plain line (a server's or router's own error): it is shown as it is; a
parameter may be a :class:`netcore.checks.verdict_messages.Msg` (a router's refusal),
worded in the same language as the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmemail.app.action_texts import TEXTS
from pmemail.app.cert_wording import render


def _words(key: str, params: Mapping[str, object], language: str, plain: str) -> str:
    if key not in TEXTS:
        return plain
    # a parameter that is a sentence of its own (a router's refusal) is worded alike
    values = {k: _sentence(v, language) for k, v in params.items()}
    return render(TEXTS, key, language, **values)


def _sentence(value: object, language: str) -> object:
    from netcore.checks.verdict_messages import Msg

    if not isinstance(value, Msg):
        return value
    from pmemail.app.verdict_texts import word

    return word(value.to_dict(), language)


class ActionError(Exception):
    """An action failed; the message is one line for the admin."""

    def __init__(self, message: str = "", key: str = "", **params: object) -> None:
        """A plain ``message``, or a message id ``key`` with its ``params``."""
        super().__init__(message or _words(key, params, "en", key))
        self.key = key
        self.params = params

    @classmethod
    def said(cls, key: str, **params: object) -> ActionError:
        """The error worded by id ``key`` of the action catalogue."""
        return cls("", key, **params)

    def words(self, language: str) -> str:
        """The error in ``language``."""
        return _words(self.key, self.params, language, str(self))


@dataclass(frozen=True)
class ActionResult:
    """What an action did: a headline and optional detail lines."""

    message: str
    details: list[str] = field(default_factory=list)
    ok: bool = True  # False: it ran, but not everything worked (e.g. some ports refused)
    key: str = ""  # the headline's message id ("" = ``message`` as it is)
    params: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def said(
        cls, key: str, details: list[str] | None = None, ok: bool = True, **params: object
    ) -> ActionResult:
        """A result whose headline is id ``key`` of the action catalogue."""
        return cls(_words(key, params, "en", key), details or [], ok, key, params)

    def words(self, language: str) -> str:
        """The headline in ``language``."""
        return _words(self.key, self.params, language, self.message)
