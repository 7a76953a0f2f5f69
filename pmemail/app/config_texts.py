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
    # a value the schema refuses (pmemail.config.typed_fields.FieldError's codes)
    "field.bool": {
        "en": "expected true or false, got {got}",
        "fr": "attendu true ou false, reçu {got}",
    },
    "field.integer": {
        "en": "expected an integer{bounds}, got {got}",
        "fr": "attendu un nombre entier{bounds}, reçu {got}",
    },
    "field.number": {
        "en": "expected a number{bounds}, got {got}",
        "fr": "attendu un nombre{bounds}, reçu {got}",
    },
    "field.string": {"en": "expected a string, got {got}", "fr": "attendu un texte, reçu {got}"},
    "field.control_chars": {
        "en": "expected text without control characters",
        "fr": "attendu un texte sans caractères de contrôle",
    },
    "field.one_of": {
        "en": "expected one of {choices}, got {got}",
        "fr": "attendu l'une des valeurs {choices}, reçu {got}",
    },
    "field.list": {"en": "expected a list, got {got}", "fr": "attendu une liste, reçu {got}"},
    "field.table": {"en": "expected a table, got {got}", "fr": "attendu une table, reçu {got}"},
    "field.unknown": {
        "en": "unknown key (known here: {known})",
        "fr": "clé inconnue (connues ici : {known})",
    },
    "field.missing": {"en": "missing", "fr": "manquante"},
    "field.or": {"en": " or ", "fr": " ou "},
    # the refused value, when show_value's words are English
    "got.table": {"en": "a table", "fr": "une table"},
    "got.list": {"en": "a list", "fr": "une liste"},
    "got.huge": {"en": "a huge integer", "fr": "un entier énorme"},
    "got.long": {
        "en": '"{start}..." ({chars} characters)',
        "fr": "« {start}... » ({chars} caractères)",
    },
}
"""Every config refusal by id: ``{"en": ..., "fr": ...}``."""


def config_error_text(err: ConfigError, language: str) -> str:
    """``err`` as one line in ``language``: ``config error: PATH: KEY: reason``."""
    key = f"config.{err.code}"
    params = dict(err.params) | ({"detail": err.message} if err.code == "field" else {})
    field = f"field.{params.get('field', '')}"
    if language == "en" and err.code == "field":  # the schema's own English, as it is
        reason = err.message
    elif err.code == "field" and field in TEXTS:  # the schema's reason by id: all worded
        choices = params.get("choices", "").split("|")
        params["choices"] = render(TEXTS, "field.or", language).join(choices)
        kind = f"got.{params.get('got_kind', '')}"
        if kind in TEXTS:
            params["got"] = render(TEXTS, kind, language, **params)
        reason = render(TEXTS, field, language, **params)
    elif key in TEXTS:
        reason = render(TEXTS, key, language, **params)
    else:
        reason = err.message
    sep = " : " if language == "fr" else ": "  # French puts a space before the colon
    where = "".join(f"{part}{sep}" for part in (err.path, err.key) if part)
    return render(TEXTS, "config.frame", language, reason=where + reason)
