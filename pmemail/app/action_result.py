"""What a one-click action (dashboard, wizard) reports back: a result or one error line.

Both carry a message id of :mod:`pmemail.app.action_texts` with its parameters,
so each screen words them in its own language (``words(language)``); ``message``
/ ``str()`` is the English text, for logs and older callers. An action may still
pass a plain line (a server's or router's own error): it is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pmemail.app.action_texts import TEXTS
from pmemail.app.cert_wording import render


def _words(key: str, params: Mapping[str, object], language: str, plain: str) -> str:
    return render(TEXTS, key, language, **params) if key in TEXTS else plain


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
