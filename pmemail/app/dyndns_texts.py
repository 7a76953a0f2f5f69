"""Dynamic DNS sentences in English and French: one catalogue, no logic.

``pmemail dyndns update`` and the dashboard's line word what
``netcore.dyndns`` did (an action, an answer code) with these.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "update.done": {
        "en": "{hostname} now points at {address} (the provider answered {answer}).",
        "fr": "{hostname} désigne maintenant {address} (le fournisseur a répondu {answer}).",
    },
    "update.refused": {
        "en": "The provider refused the settings ({answer}): no update of {hostname} until "
        "dyndns.provider, hostname, username or password change.",
        "fr": "Le fournisseur a refusé les réglages ({answer}) : plus de mise à jour de "
        "{hostname} tant que dyndns.provider, hostname, username ou password ne changent pas.",
    },
    "update.retry": {
        "en": "The provider did not take {address} ({answer}); next try after {when}.",
        "fr": "Le fournisseur n'a pas pris {address} ({answer}) ; prochain essai après {when}.",
    },
    "update.no_answer": {
        "en": "No answer from the provider ({error}); next try after {when}.",
        "fr": "Pas de réponse du fournisseur ({error}) ; prochain essai après {when}.",
    },
    "update.no_address": {
        "en": "The public address is unknown (no echo service answered): nothing sent.",
        "fr": "L'adresse publique est inconnue (aucun service d'écho n'a répondu) : rien "
        "n'est envoyé.",
    },
    "update.stopped": {
        "en": "Updates are stopped since the provider refused the settings ({answer}); "
        "change them in [dyndns] first.",
        "fr": "Les mises à jour sont arrêtées depuis que le fournisseur a refusé les réglages "
        "({answer}) ; changez-les d'abord dans [dyndns].",
    },
    "update.waiting": {
        "en": "The provider asked to wait ({answer}): next try after {when}.",
        "fr": "Le fournisseur a demandé d'attendre ({answer}) : prochain essai après {when}.",
    },
    "update.unchanged": {
        "en": "The provider already has {address} for {hostname}: nothing sent.",
        "fr": "Le fournisseur a déjà {address} pour {hostname} : rien n'est envoyé.",
    },
    "error.disabled": {
        "en": 'Dynamic DNS is off (dyndns.enabled = "no").',
        "fr": 'Le DNS dynamique est désactivé (dyndns.enabled = "no").',
    },
    "error.not_configured": {
        "en": "Fill in [dyndns] first (provider, username, password; the token for Duck DNS).",
        "fr": "Remplissez d'abord [dyndns] (provider, username, password ; le jeton pour "
        "Duck DNS).",
    },
    "line.never": {
        "en": "Dynamic DNS: {hostname}, no update yet",
        "fr": "DNS dynamique : {hostname}, pas encore de mise à jour",
    },
    "line.last": {
        "en": "Dynamic DNS: {hostname} → {address} (last answer {answer}, {when})",
        "fr": "DNS dynamique : {hostname} → {address} (dernière réponse {answer}, {when})",
    },
    "line.stopped": {
        "en": "Dynamic DNS: {hostname} refused ({answer}), updates stopped until [dyndns] changes",
        "fr": "DNS dynamique : {hostname} refusé ({answer}), mises à jour arrêtées jusqu'à "
        "un changement de [dyndns]",
    },
}
"""Every dynamic DNS sentence by id, in English and French (same placeholders)."""
