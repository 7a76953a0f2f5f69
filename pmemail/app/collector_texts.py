"""The collector's sentences in English and French: one catalogue, no logic.

``pmemail.app.collector_held`` raises :class:`HeldError` with one of the
``error.*`` ids and its parameters; the CLI (``pmemail collector``) and the
dashboard word them with :func:`pmemail.app.cert_wording.render`.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "held.none": {
        "en": "No message is held at the ISP.",
        "fr": "Aucun message n'est retenu chez le fournisseur d'accès.",
    },
    "held.line": {
        "en": "{uidl}  {size} bytes  from {sender}  to {to}  «{subject}»  held since {since}  "
        "({mailbox})",
        "fr": "{uidl}  {size} octets  de {sender}  pour {to}  «{subject}»  retenu depuis "
        "{since}  ({mailbox})",
    },
    "held.decided.assign": {
        "en": "    to be delivered at the next collector run",
        "fr": "    sera distribué à la prochaine relève",
    },
    "held.decided.drop": {
        "en": "    to be deleted at the ISP at the next collector run",
        "fr": "    sera supprimé chez le fournisseur à la prochaine relève",
    },
    "held.count": {
        "en": "{count} message(s) held at the ISP: no local recipient. Deliver one with "
        "`pmemail collector assign UIDL USER`, delete it with `pmemail collector drop UIDL`.",
        "fr": "{count} message(s) retenu(s) chez le fournisseur : aucun destinataire local. "
        "Distribuez-en un avec `pmemail collector assign UIDL UTILISATEUR`, supprimez-le "
        "avec `pmemail collector drop UIDL`.",
    },
    "assign.done": {
        "en": "{uidl} will be delivered to {user} at the next collector run.",
        "fr": "{uidl} sera distribué à {user} à la prochaine relève.",
    },
    "drop.done": {
        "en": "{uidl} will be deleted at the ISP at the next collector run.",
        "fr": "{uidl} sera supprimé chez le fournisseur à la prochaine relève.",
    },
    "error.not_held": {
        "en": "No held message has the UIDL {uidl} (see `pmemail collector held`).",
        "fr": "Aucun message retenu n'a l'UIDL {uidl} (voir `pmemail collector held`).",
    },
    "error.ambiguous": {
        "en": "The UIDL {uidl} is held in several ISP mailboxes ({mailboxes}): name one "
        "with --mailbox.",
        "fr": "L'UIDL {uidl} est retenu dans plusieurs boîtes du fournisseur ({mailboxes}) : "
        "précisez-en une avec --mailbox.",
    },
    "error.unknown_user": {
        "en": "{user} is not a local user or alias (see `pmemail users list`).",
        "fr": "{user} n'est ni un utilisateur ni un alias local (voir `pmemail users list`).",
    },
    "last_error.tls_untrusted": {
        "en": "{mailbox}: the POP server's TLS certificate is not trusted ({detail}); nothing "
        "was fetched. Set ca_file for this mailbox if the ISP uses its own CA",
        "fr": "{mailbox} : le certificat TLS du serveur POP n'est pas reconnu ({detail}) ; "
        "rien n'a été relevé. Indiquez ca_file pour cette boîte si le fournisseur utilise "
        "sa propre autorité de certification",
    },
    "last_error.tls_failed": {
        "en": "{mailbox}: TLS with the POP server failed ({detail}); nothing was fetched",
        "fr": "{mailbox} : la connexion TLS avec le serveur POP a échoué ({detail}) ; rien "
        "n'a été relevé",
    },
    "last_error.server_said": {
        "en": "{mailbox}: the POP server answered: {answer}",
        "fr": "{mailbox} : le serveur POP a répondu : {answer}",
    },
    "last_error.failed": {
        "en": "{mailbox}: the collection failed ({detail})",
        "fr": "{mailbox} : la relève a échoué ({detail})",
    },
}
"""Every sentence, by id, in ``en`` and ``fr`` (a test checks both and their fields)."""
