"""The words of the dashboard's Ports tab: where each port is forwarded and why not.

English and French by message id, no logic; :class:`pmemail.app.network_snapshot.PortReach`
carries the ids and their parameters, :func:`reach_words` renders one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pmemail.app.cert_wording import render

TEXTS: Final[dict[str, dict[str, str]]] = {
    "reach.to": {"en": "to {host}:{port}", "fr": "vers {host}:{port}"},
    "reach.held_elsewhere": {
        "en": "held by another mapping: {description} to {host}:{port}",
        "fr": "occupé par une autre redirection : {description} vers {host}:{port}",
    },
    "reach.by_method": {
        "en": "to {host}:{port} by {method}",
        "fr": "vers {host}:{port} par {method}",
    },
    "reach.not_in_table": {
        "en": "not in the router's table",
        "fr": "absent de la table du routeur",
    },
    "reach.router_unreadable": {"en": "router not readable", "fr": "routeur illisible"},
    "reach.reachable": {"en": "reachable", "fr": "joignable"},
    "reach.echo_refused": {
        "en": "the echo service could not connect",
        "fr": "le service d'écho n'a pas pu se connecter",
    },
}
"""Each id's text in ``en`` and ``fr``."""


def reach_words(detail: str, params: Mapping[str, object], language: str) -> str:
    """``detail`` in ``language`` when it is an id of :data:`TEXTS`, else as it is.

    Details that are not ids (an echo service's own reason) pass through.
    """
    return render(TEXTS, detail, language, **params) if detail in TEXTS else detail
