"""The boot service's sentences in English and French: one catalogue, no logic.

:mod:`pmemail.app.service_enable` reports one of these ids with its
parameters; the wizard, the dashboard and the CLI word them with
:func:`pmemail.app.cert_wording.render`.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "service.enabled": {
        "en": "pmemail now runs as the system service {unit} and starts again by itself "
        "after a reboot.",
        "fr": "pmemail tourne maintenant comme service système {unit} et redémarre tout seul "
        "après un redémarrage de la machine.",
    },
    "service.enabled_user": {
        "en": "pmemail now runs as your user's service {unit}. It starts at boot only if "
        "your account lingers: run `loginctl enable-linger {user}` once.",
        "fr": "pmemail tourne maintenant comme service de votre utilisateur {unit}. Il ne "
        "démarre au boot que si votre compte reste actif : lancez une fois "
        "`loginctl enable-linger {user}`.",
    },
    "service.no_systemd": {
        "en": "This machine does not run systemd (a container?): pmemail will NOT start by "
        "itself after a reboot. Have the machine start `{command}` at boot (e.g. as the "
        "container's command or from its init system).",
        "fr": "Cette machine ne fait pas tourner systemd (un conteneur ?) : pmemail ne "
        "redémarrera PAS tout seul après un redémarrage. Faites lancer `{command}` au "
        "démarrage (par exemple comme commande du conteneur ou par son système d'init).",
    },
    "service.refused": {
        "en": "The service could not be installed: {reason}",
        "fr": "Le service n'a pas pu être installé : {reason}",
    },
    "service.unreachable": {
        "en": "user '{user}' (server.user) could not read {path} ({folder} is closed to it): "
        "install pmemail outside home folders, move the config to /etc/pmemail/pmemail.toml "
        "and data_dir to /var/lib/pmemail, or use --user",
        "fr": "l'utilisateur '{user}' (server.user) ne pourrait pas lire {path} ({folder} lui "
        "est fermé) : installez pmemail hors des dossiers personnels, déplacez la "
        "configuration vers /etc/pmemail/pmemail.toml et data_dir vers /var/lib/pmemail, ou "
        "utilisez --user",
    },
    "service.no_useradd": {
        "en": "cannot create user '{user}': useradd is not installed",
        "fr": "impossible de créer l'utilisateur '{user}' : useradd n'est pas installé",
    },
    "service.useradd_failed": {
        "en": "cannot create user '{user}': {command}: {reason}",
        "fr": "impossible de créer l'utilisateur '{user}' : {command} : {reason}",
    },
    "service.cannot_write": {
        "en": "cannot write {path}: permission denied (run as root, or use --user)",
        "fr": "impossible d'écrire {path} : permission refusée (lancez en root, ou utilisez "
        "--user)",
    },
    "service.cannot_write_reason": {
        "en": "cannot write {path}: {reason}",
        "fr": "impossible d'écrire {path} : {reason}",
    },
    "service.no_systemctl": {
        "en": "`systemctl {command}` failed: systemctl is not installed",
        "fr": "`systemctl {command}` a échoué : systemctl n'est pas installé",
    },
    "service.unit_exists": {
        "en": "{path} already exists; use --force to overwrite it",
        "fr": "{path} existe déjà ; utilisez --force pour le remplacer",
    },
    "service.account_created": {
        "en": "created system user {user} (no home, no login shell)",
        "fr": "utilisateur système {user} créé (sans dossier personnel, sans shell de connexion)",
    },
    "service.runs_as": {
        "en": "the service runs as {user}, which now owns {folder}",
        "fr": "le service tourne sous l'utilisateur {user}, désormais propriétaire de {folder}",
    },
    "service.unit_written": {
        "en": "wrote {path} (not enabled)",
        "fr": "{path} écrit (non activé)",
    },
    "service.enable_hint": {
        "en": "to start it now and at boot: {command}",
        "fr": "pour le démarrer maintenant et à chaque démarrage : {command}",
    },
    "service.systemctl_failed": {
        "en": "`systemctl {command}` failed: {reason}",
        "fr": "`systemctl {command}` a échoué : {reason}",
    },
    "service.handover_failed": {
        "en": "The pmemail started by the wizard could not be stopped to hand over to the "
        "service: {reason}",
        "fr": "Le pmemail lancé par l'assistant n'a pas pu être arrêté pour passer la main "
        "au service : {reason}",
    },
    "service.not_answering": {
        "en": "The service {unit} was started but pmemail did not answer within {seconds} s: "
        "see `journalctl -u pmemail`.",
        "fr": "Le service {unit} a été démarré mais pmemail n'a pas répondu en {seconds} s : "
        "voyez `journalctl -u pmemail`.",
    },
    "service.state.enabled": {
        "en": "started by systemd (service enabled)",
        "fr": "démarré par systemd (service activé)",
    },
    "service.state.disabled": {
        "en": "NOT started (systemd service not enabled: the wizard's Launch step)",
        "fr": "PAS démarré (service systemd non activé : étape « Démarrage » de l'assistant)",
    },
    "service.state.no_systemd": {
        "en": "NOT started by itself (no systemd here)",
        "fr": "PAS démarré tout seul (pas de systemd ici)",
    },
    "serve.running": {
        "en": "pmemail serve: running, pid {pid}, up {uptime}",
        "fr": "pmemail serve : en marche, pid {pid}, depuis {uptime}",
    },
    "serve.service.running": {"en": "running", "fr": "en marche"},
    "serve.service.stopped": {"en": "stopped", "fr": "arrêté"},
    "serve.service.failed": {"en": "failed", "fr": "en échec"},
    "control.closed": {
        "en": "{path}: the server closed the connection without answering",
        "fr": "{path} : le serveur a fermé la connexion sans répondre",
    },
    "control.unreadable": {
        "en": "{path}: unreadable answer ({error})",
        "fr": "{path} : réponse illisible ({error})",
    },
    "control.not_object": {
        "en": "{path}: the answer is not a JSON object",
        "fr": "{path} : la réponse n'est pas un objet JSON",
    },
    "control.denied": {
        "en": "{path}: permission denied (run as the server's user or root)",
        "fr": "{path} : accès refusé (lancez la commande sous le compte du serveur ou root)",
    },
    "control.system": {"en": "{path}: {error}", "fr": "{path} : {error}"},
    "control.too_long": {"en": "{path}: answer too long", "fr": "{path} : réponse trop longue"},
    "control.timeout": {
        "en": "{path}: no answer within {seconds} s",
        "fr": "{path} : pas de réponse en {seconds} s",
    },
    "serve.not_running": {
        "en": "pmemail serve is not running (no server on {path})",
        "fr": "pmemail serve n'est pas en marche (aucun serveur sur {path})",
    },
}
