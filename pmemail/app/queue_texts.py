"""``pmemail queue``'s sentences in English and French: one catalogue, no logic.

The CLI words them with :func:`pmemail.app.cert_wording.render`; a refusal of
the queue store (:class:`mailcore.queue.store.QueueError`) carries one of the
``error.*`` ids in its ``code``. Queue ids, addresses and the remote servers'
answers (``last error``) are data, shown as they are.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "list.empty": {"en": "the queue is empty", "fr": "la file d'attente est vide"},
    "list.message": {
        "en": "{id}  {size} bytes  from <{sender}>  since {since}",
        "fr": "{id}  {size} octets  de <{sender}>  depuis le {since}",
    },
    "list.recipient": {
        "en": "    {state:9} <{address}>  attempts {attempts}",
        "fr": "    {state:10} <{address}>  tentatives {attempts}",
    },
    "list.next": {"en": ", next {when}", "fr": ", prochaine le {when}"},
    "list.last_error": {"en": "last error: {error}", "fr": "dernière erreur : {error}"},
    "list.count": {"en": "{count} message(s)", "fr": "{count} message(s)"},
    "state.queued": {"en": "queued", "fr": "en attente"},
    "state.delivered": {"en": "delivered", "fr": "remis"},
    "state.bounced": {"en": "bounced", "fr": "renvoyé"},
    "retry.done": {
        "en": "{count} recipient(s) will be retried at the next queue scan",
        "fr": "{count} destinataire(s) seront réessayé(s) au prochain passage de la file",
    },
    "delete.done": {"en": "deleted {id}", "fr": "{id} supprimé"},
    "error.bad_id": {
        "en": "not a queue id: {id}",
        "fr": "{id} n'est pas un identifiant de la file",
    },
    "error.no_recipient": {
        "en": "a queued message needs at least one recipient",
        "fr": "un message de la file doit avoir au moins un destinataire",
    },
    "error.unknown_id": {
        "en": "no queued message with id {id}",
        "fr": "aucun message de la file n'a l'identifiant {id}",
    },
}
"""Every ``pmemail queue`` sentence by id: ``{"en": ..., "fr": ...}``."""
