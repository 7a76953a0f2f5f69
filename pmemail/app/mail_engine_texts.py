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
        "en": "Stop pmemail's mail services (`systemctl stop pmemail`), then restart Postfix "
        'and Dovecot; or set server.mail_engine back to "pmemail" if the hand-over was undone.',
        "fr": "Arrêtez les services de courrier de pmemail (`systemctl stop pmemail`), puis "
        'redémarrez Postfix et Dovecot ; ou remettez server.mail_engine à "pmemail" si la '
        "bascule a été annulée.",
    },
}
"""Every sentence, by id, in ``en`` and ``fr`` (a test checks both and their fields)."""
