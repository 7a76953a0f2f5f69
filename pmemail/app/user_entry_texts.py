"""The user-entry sentences (address and password policy) in English and French.

:mod:`pmemail.app.user_entry` raises :class:`~pmemail.app.user_entry.EntryProblem`
with one of these ids; the CLI, the wizard and the dashboard word it with
:func:`pmemail.app.cert_wording.render`.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "password.empty": {
        "en": "The password is empty.",
        "fr": "Le mot de passe est vide.",
    },
    "password.short": {
        "en": "The password needs at least {minimum} characters ({length} given).",
        "fr": "Le mot de passe doit compter au moins {minimum} caractères ({length} donnés).",
    },
    "password.is_address": {
        "en": "The password must not be the address itself.",
        "fr": "Le mot de passe ne doit pas être l'adresse elle-même.",
    },
    "password.common": {
        "en": "This password is one of the most common ones: attackers try it first. "
        "Choose another.",
        "fr": "Ce mot de passe est parmi les plus courants : les attaquants l'essaient en "
        "premier. Choisissez-en un autre.",
    },
    "address.empty": {
        "en": "Type a name (marie) or an address (marie@{domain}).",
        "fr": "Tapez un nom (marie) ou une adresse (marie@{domain}).",
    },
    "address.non_ascii": {
        "en": "“{local}” has letters outside a-z (accents...): mail programs refuse them in "
        "addresses. Use plain letters, for example “{suggestion}”.",
        "fr": "« {local} » contient des lettres hors de a-z (accents…) : les logiciels de "
        "courrier les refusent dans les adresses. Utilisez des lettres simples, par exemple "
        "« {suggestion} ».",
    },
    "address.invalid_local": {
        "en": "“{local}” cannot be the part before @: use letters, digits, dots, - and _.",
        "fr": "« {local} » ne peut pas être la partie avant @ : utilisez des lettres, des "
        "chiffres, des points, - et _.",
    },
}
