"""The doctor's sentences on the mail ports after the hand-over, in English and French.

:mod:`pmemail.app.mail_engine` words its ``listening.<name>`` rows with
these ids; one catalogue, no logic.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "check.title": {
        "en": "Port {port} ({expected})",
        "fr": "Port {port} ({expected})",
    },
    "check.ok": {
        "en": "{program} listens on port {port} ({name}): the mail is served by Postfix and "
        "Dovecot since the hand-over",
        "fr": "{program} écoute sur le port {port} ({name}) : le courrier est servi par Postfix "
        "et Dovecot depuis la bascule",
    },
    "check.unnamed": {
        "en": "a program this account may not see",
        "fr": "un programme que ce compte ne peut pas voir",
    },
    "check.closed": {
        "en": "nothing listens on port {port} ({name}): {expected} is not running, so this "
        "mail port is dead",
        "fr": "rien n'écoute sur le port {port} ({name}) : {expected} ne tourne pas, ce port "
        "de courrier est donc hors service",
    },
    "check.pmemail": {
        "en": "pmemail serve still listens on port {port} ({name}), but the mail is handed "
        "over to Postfix and Dovecot (server.mail_engine)",
        "fr": "pmemail serve écoute encore sur le port {port} ({name}), mais le courrier est "
        "confié à Postfix et Dovecot (server.mail_engine)",
    },
    "check.advice_start": {
        "en": "Start it (`systemctl restart opendkim dovecot postfix`) and read its log; the "
        "README.txt of the export says how it was installed.",
        "fr": "Démarrez-le (`systemctl restart opendkim dovecot postfix`) et lisez son journal ; "
        "le README.fr.txt de l'export dit comment il a été installé.",
    },
    "check.advice_stop": {
        "en": "Restart pmemail (`systemctl restart pmemail`): after the hand-over it leaves the "
        "mail ports to Postfix and Dovecot; then restart Postfix and Dovecot. Or run "
        "`pmemail handover undo` if the hand-over was undone.",
        "fr": "Redémarrez pmemail (`systemctl restart pmemail`) : après la bascule il laisse "
        "les ports de courrier à Postfix et Dovecot ; puis redémarrez Postfix et Dovecot. Ou "
        "lancez `pmemail handover undo` si la bascule a été annulée.",
    },
    # ------------------------------------------------- pmemail handover done|undo, status
    "status.handed_over": {
        "en": "Handed over to Postfix and Dovecot (server.mail_engine), not run here: {services}",
        "fr": "Confiés à Postfix et Dovecot (server.mail_engine), non lancés ici : {services}",
    },
    "handover.done": {
        "en": 'Written to {config}: server.mail_engine = "postfix-dovecot". Restart pmemail '
        "(`systemctl restart pmemail`) and keep it running: it then runs only the network "
        "side (router leases, dynamic DNS, backups, certificate) and leaves the mail ports "
        "to Postfix and Dovecot.",
        "fr": 'Écrit dans {config} : server.mail_engine = "postfix-dovecot". Redémarrez '
        "pmemail (`systemctl restart pmemail`) et laissez-le tourner : il ne fait plus que le "
        "côté réseau (baux du routeur, DNS dynamique, sauvegardes, certificat) et laisse les "
        "ports de courrier à Postfix et Dovecot.",
    },
    "handover.undo": {
        "en": 'Written to {config}: server.mail_engine = "pmemail". Stop Postfix and Dovecot '
        "(`systemctl stop postfix dovecot`), then restart pmemail (`systemctl restart "
        "pmemail`): it serves the mail again.",
        "fr": 'Écrit dans {config} : server.mail_engine = "pmemail". Arrêtez Postfix et '
        "Dovecot (`systemctl stop postfix dovecot`), puis redémarrez pmemail (`systemctl "
        "restart pmemail`) : il sert de nouveau le courrier.",
    },
    "handover.after_renew": {
        "en": "After each new certificate pmemail runs (acme.after_renew): {command}",
        "fr": "Après chaque nouveau certificat pmemail lance (acme.after_renew) : {command}",
    },
    "handover.no_after_renew": {
        "en": "No command runs after a new certificate any more (acme.after_renew = []).",
        "fr": "Plus aucune commande ne suit un nouveau certificat (acme.after_renew = []).",
    },
}
"""Every sentence, by id, in ``en`` and ``fr`` (a test checks both and their fields)."""
