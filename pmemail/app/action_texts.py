"""The headlines of the one-click actions (start, stop, restart, retry, forward, users).

English and French by message id, no logic; :mod:`pmemail.app.action_result`
carries the ids with their parameters and words them.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "server.started": {
        "en": "pmemail serve started (pid {pid})",
        "fr": "pmemail serve a démarré (pid {pid})",
    },
    "server.cannot_start": {
        "en": "cannot start pmemail serve: {error}",
        "fr": "impossible de démarrer pmemail serve : {error}",
    },
    "server.exited": {
        "en": "pmemail serve exited at once: {last} (see {path})",
        "fr": "pmemail serve s'est arrêté aussitôt : {last} (voir {path})",
    },
    "server.no_answer": {
        "en": "pmemail serve (pid {pid}) did not answer within {seconds} s (see {path})",
        "fr": "pmemail serve (pid {pid}) n'a pas répondu en {seconds} s (voir {path})",
    },
    "server.not_running": {
        "en": "pmemail serve is not running",
        "fr": "pmemail serve n'est pas en marche",
    },
    "server.refused_stop": {
        "en": "the server refused to stop",
        "fr": "le serveur a refusé de s'arrêter",
    },
    "server.still_stopping": {
        "en": "pmemail serve (pid {pid}) is still stopping after {seconds} s",
        "fr": "pmemail serve (pid {pid}) est toujours en train de s'arrêter après {seconds} s",
    },
    "server.stopped": {"en": "pmemail serve stopped", "fr": "pmemail serve est arrêté"},
    "server.stopped_pid": {
        "en": "pmemail serve stopped (pid {pid})",
        "fr": "pmemail serve est arrêté (pid {pid})",
    },
    "server.service_restarted": {
        "en": "{service} restarted (the other services kept running)",
        "fr": "{service} redémarré (les autres services ont continué)",
    },
    "server.restarted": {"en": "restarted: {started}", "fr": "redémarré : {started}"},
    "queue.cannot_change": {
        "en": "cannot change the queue: {error}",
        "fr": "impossible de modifier la file d'envoi : {error}",
    },
    "queue.later": {
        "en": "{count} recipient(s) will be retried when pmemail serve runs",
        "fr": "{count} destinataire(s) seront retentés quand pmemail serve tournera",
    },
    "queue.refused": {
        "en": "the server refused to retry the queue",
        "fr": "le serveur a refusé de relancer la file d'envoi",
    },
    "queue.now": {
        "en": "{count} recipient(s) are being retried now",
        "fr": "{count} destinataire(s) sont retentés maintenant",
    },
    "forward.reason": {"en": "{reason}", "fr": "{reason}"},
    "forward.cannot_forward": {
        "en": "cannot forward the ports: {reason}",
        "fr": "impossible de rediriger les ports : {reason}",
    },
    "forward.cannot_remove": {
        "en": "cannot remove the mappings: {reason}",
        "fr": "impossible de supprimer les redirections : {reason}",
    },
    "forward.nothing.forwarded": {
        "en": "nothing to do (forwarded 0 ports)",
        "fr": "rien à faire (0 port redirigé)",
    },
    "forward.nothing.removed": {
        "en": "nothing to do (removed 0 ports)",
        "fr": "rien à faire (0 port retiré)",
    },
    "forward.done.forwarded": {
        "en": "forwarded {mapped} of {total} port(s)",
        "fr": "{mapped} port(s) sur {total} redirigé(s)",
    },
    "forward.done.removed": {
        "en": "removed {mapped} of {total} port(s)",
        "fr": "{mapped} port(s) sur {total} retiré(s)",
    },
    "forward.failed.forwarded": {
        "en": "forwarded {mapped} of {total} port(s); {failed} failed",
        "fr": "{mapped} port(s) sur {total} redirigé(s) ; {failed} en échec",
    },
    "forward.failed.removed": {
        "en": "removed {mapped} of {total} port(s); {failed} failed",
        "fr": "{mapped} port(s) sur {total} retiré(s) ; {failed} en échec",
    },
    "users.short_password": {
        "en": "the password must have at least {minimum} characters",
        "fr": "le mot de passe doit compter au moins {minimum} caractères",
    },
    "users.added": {"en": "added {address} ({protocol})", "fr": "{address} ajouté ({protocol})"},
    "users.removed": {
        "en": "removed {address} (its mail stays on disk)",
        "fr": "{address} supprimé (son courrier reste sur le disque)",
    },
    "users.password_set": {
        "en": "password changed for {address}",
        "fr": "mot de passe changé pour {address}",
    },
    "users.protocol_set": {
        "en": "{address} now reads mail with {protocol}",
        "fr": "{address} lit désormais son courrier en {protocol}",
    },
    "users.alias_added": {"en": "{alias} -> {target}", "fr": "{alias} -> {target}"},
}
"""Each id's text in ``en`` and ``fr``."""
