"""The user store's refusals in English and French, by the ``code`` of ``UserError``.

No logic beyond :func:`user_error_words`: the wizard's users step and the
dashboard's Users tab word a refusal in the admin's language; the CLI keeps
the English ``str()`` unless its language is French.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pmemail.app.cert_wording import render

if TYPE_CHECKING:
    from mailcore.users import UserError

TEXTS: Final[dict[str, dict[str, str]]] = {
    "not_address": {
        "en": "not an address: {address} (expected local@domain)",
        "fr": "ce n'est pas une adresse : {address} (attendu : nom@domaine)",
    },
    "bad_local": {
        "en": "invalid local part in {address}",
        "fr": "partie avant le @ non valable dans {address} (lettres sans accents, chiffres, "
        "point, tiret)",
    },
    "bad_domain": {
        "en": "invalid domain in {address}",
        "fr": "domaine non valable dans {address}",
    },
    "not_local": {
        "en": "{address}: domain is not local (local: {local})",
        "fr": "{address} : ce domaine n'est pas géré ici (domaines gérés : {local})",
    },
    "not_local_domain": {
        "en": "{domain}: domain is not local",
        "fr": "{domain} : ce domaine n'est pas géré ici",
    },
    "bad_protocol": {
        "en": "protocol must be imap or pop3, not {protocol}",
        "fr": "le protocole doit être imap ou pop3, pas {protocol}",
    },
    "empty_password": {"en": "empty password", "fr": "mot de passe vide"},
    "exists": {"en": "{address} already exists", "fr": "{address} existe déjà"},
    "is_alias": {
        "en": "{address} is an alias; remove the alias first",
        "fr": "{address} est un alias : retirez d'abord l'alias",
    },
    "no_user": {"en": "no such user: {address}", "fr": "utilisateur inconnu : {address}"},
    "alias_self": {
        "en": "an alias cannot point to itself",
        "fr": "un alias ne peut pas pointer vers lui-même",
    },
    "is_user": {
        "en": "{address} is a user, not an alias",
        "fr": "{address} est un utilisateur, pas un alias",
    },
    "no_target": {
        "en": "{address} is neither a user nor an alias",
        "fr": "{address} n'est ni un utilisateur ni un alias",
    },
    "no_alias": {"en": "no such alias: {address}", "fr": "alias inconnu : {address}"},
    # `pmemail users ...`: what the command prints (ids with a dot: not UserError codes)
    "cli.added": {"en": "added {address} ({protocol})", "fr": "{address} ajouté ({protocol})"},
    "cli.no_users": {
        "en": "no users yet: {command}",
        "fr": "aucun utilisateur pour l'instant : {command}",
    },
    "cli.password_changed": {
        "en": "password changed for {address}",
        "fr": "mot de passe modifié pour {address}",
    },
    "cli.removed": {
        "en": "removed {address} (its mail stays on disk)",
        "fr": "{address} supprimé (son courrier reste sur le disque)",
    },
    "cli.protocol_set": {
        "en": "{address} now reads mail with {protocol}",
        "fr": "{address} relève maintenant son courrier en {protocol}",
    },
    "cli.alias_removed": {"en": "removed alias {alias}", "fr": "alias {alias} supprimé"},
    "cli.catchall_set": {
        "en": "catch-all of {domain}: {target}",
        "fr": "adresse fourre-tout de {domain} : {target}",
    },
    "cli.catchall_removed": {
        "en": "catch-all of {domain}: removed",
        "fr": "adresse fourre-tout de {domain} : supprimée",
    },
    "cli.target_or_remove": {
        "en": "give either a TARGET or --remove",
        "fr": "donnez soit une CIBLE, soit --remove",
    },
    "cli.no_password": {
        "en": "no password given (use --password-stdin for scripts)",
        "fr": "aucun mot de passe donné (utilisez --password-stdin dans un script)",
    },
    "cli.passwords_differ": {
        "en": "the two passwords differ",
        "fr": "les deux mots de passe sont différents",
    },
    "cli.prompt_password": {"en": "Password: ", "fr": "Mot de passe : "},
    "cli.prompt_again": {"en": "Again: ", "fr": "Encore une fois : "},
}
"""Each ``UserError.code``'s text in ``en`` and ``fr``, then the CLI's own sentences."""


def user_error_words(error: UserError, language: str) -> str:
    """``error`` in ``language`` (its English text when its code is not known here)."""
    if error.code in TEXTS:
        return render(TEXTS, error.code, language, **error.params)
    return str(error)
