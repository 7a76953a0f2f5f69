"""Why a config file cannot be used, in English and French: one catalogue, no logic.

:class:`pmemail.config.loader.ConfigError` names its reason by ``code``; the
CLI words it here as ``config.<code>`` (:func:`config_error_text`). The
schema's own detail (``expected a string, got 5``) and the TOML parser's are
data: they are quoted as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pmemail.app.cert_wording import render

if TYPE_CHECKING:
    from pmemail.config.loader import ConfigError

TEXTS: Final[dict[str, dict[str, str]]] = {
    "config.frame": {"en": "config error: {reason}", "fr": "erreur de configuration : {reason}"},
    "config.missing": {
        "en": "no such file (create it with `pmemail init`)",
        "fr": "ce fichier n'existe pas (créez-le avec `pmemail init`)",
    },
    "config.unreadable": {"en": "cannot read: {error}", "fr": "lecture impossible : {error}"},
    "config.not_utf8": {
        "en": "not UTF-8 text (byte {byte})",
        "fr": "ce n'est pas du texte UTF-8 (octet {byte})",
    },
    "config.not_toml": {
        "en": "not valid TOML: {error}",
        "fr": "ce n'est pas du TOML valide : {error}",
    },
    "config.too_deep": {
        "en": "not valid TOML: nested too deeply",
        "fr": "ce n'est pas du TOML valide : imbrication trop profonde",
    },
    "config.field": {
        "en": "{detail}",
        "fr": "valeur refusée ({detail})",
    },
}
"""Every config refusal by id: ``{"en": ..., "fr": ...}``."""


def config_error_text(err: ConfigError, language: str) -> str:
    """``err`` as one line in ``language``: ``config error: PATH: KEY: reason``."""
    key = f"config.{err.code}"
    params = dict(err.params) | ({"detail": err.message} if err.code == "field" else {})
    reason = render(TEXTS, key, language, **params) if key in TEXTS else err.message
    sep = " : " if language == "fr" else ": "  # French puts a space before the colon
    where = "".join(f"{part}{sep}" for part in (err.path, err.key) if part)
    return render(TEXTS, "config.frame", language, reason=where + reason)
