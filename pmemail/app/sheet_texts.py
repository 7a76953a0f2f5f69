"""The words of what the office hands on: the staff's client settings sheet and zone lines.

English and French for each id, no logic: :func:`pmemail.app.cert_wording.render`
fills them. ``pmemail.app.client_settings`` writes the sheet, ``dns_publish``
the zone lines (the wizard's domain step, ``pmemail dns records``).
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "zone.ask_isp": {"en": "ask your ISP", "fr": "à demander à votre fournisseur d'accès"},
    "zone.unknown_address": {"en": "<public address>", "fr": "<adresse publique>"},
    "zone.reverse_of": {"en": "(reverse of {address})", "fr": "(inverse de {address})"},
    "sheet.incoming": {
        "en": "  Incoming ({protocol}): {host} port {port}, {security}, normal password, "
        "user name {address}",
        "fr": "  Courrier entrant ({protocol}) : {host} port {port}, {security}, mot de passe "
        "normal, nom d'utilisateur {address}",
    },
    "sheet.outgoing": {
        "en": "  Outgoing (SMTP): {host} port {port}, {security}, normal password, "
        "user name {address}",
        "fr": "  Courrier sortant (SMTP) : {host} port {port}, {security}, mot de passe "
        "normal, nom d'utilisateur {address}",
    },
    "sheet.webmail": {"en": "  Webmail: {url}", "fr": "  Webmail : {url}"},
}
"""Each id's text in ``en`` and ``fr`` (a test checks both exist, with the same fields)."""
