"""What is left to forward by hand, in English and French: the rules table and the steps.

``next_steps_words`` words the document ``netcore.forwarding_report`` builds
(``forwarding_document`` / ``manual_document``) for the CLI's ``ports apply``,
the wizard's forward step and its no-router case. The router profile's own
steps are shown as the profile writes them.
"""

from __future__ import annotations

from typing import Any, Final

from netcore import advice
from pmemail.app.cert_wording import render

TEXTS: Final[dict[str, dict[str, str]]] = {
    "summary": {
        "en": "{ok} of {total} port(s) forwarded",
        "fr": "{ok} port(s) sur {total} redirigé(s)",
    },
    "fallback.applied": {
        "en": "the router refuses ports below 1024: these services now use a high "
        "external port — tell staff to change their mail client settings:",
        "fr": "le routeur refuse les ports sous 1024 : ces services utilisent maintenant un "
        "port externe élevé — demandez au personnel de modifier les réglages de leur "
        "logiciel de courrier :",
    },
    "fallback.applied_row": {
        "en": "  - {name}: port {proposed} instead of {external}",
        "fr": "  - {name} : port {proposed} au lieu de {external}",
    },
    "fallback.proposed": {
        "en": "the router refuses ports below 1024 through UPnP/NAT-PMP. Fallback plan:",
        "fr": "le routeur refuse les ports sous 1024 par UPnP/NAT-PMP. Plan de repli :",
    },
    "fallback.run": {
        "en": "  run `pmemail ports apply --fallback` to forward the high ports",
        "fr": "  lancez `pmemail ports apply --fallback` pour rediriger les ports élevés",
    },
    "manual.intro": {
        "en": "add these rules by hand in the router's port-forwarding page:",
        "fr": "ajoutez ces règles à la main dans la page de redirection de ports du routeur :",
    },
    "manual.header": {
        "en": "external port|protocol|internal address|internal port|service",
        "fr": "port externe|protocole|adresse interne|port interne|service",
    },
    "manual.steps": {"en": "steps for {name}{verified}:", "fr": "étapes pour {name}{verified} :"},
    "manual.unverified": {"en": " (unverified)", "fr": " (non vérifiées)"},
    "manual.menu": {"en": "  menu: {path}", "fr": "  menu : {path}"},
}
"""Each id's text in ``en`` and ``fr``."""


def _say(key: str, language: str, **values: object) -> str:
    return render(TEXTS, key, language, **values)


def next_steps_words(doc: dict[str, Any], language: str) -> list[str]:
    """What the admin must do after forwarding: fallbacks and the manual table, in ``language``."""
    summary = doc["summary"]
    lines = [_say("summary", language, ok=summary["ok"], total=summary["total"])]
    applied = [fb for fb in doc.get("fallback", []) if fb.get("applied")]
    proposed = [fb for fb in doc.get("fallback", []) if not fb.get("applied")]
    if applied:
        lines += ["", _say("fallback.applied", language)]
        lines += [
            _say(
                "fallback.applied_row",
                language,
                name=fb["name"],
                proposed=fb["proposed_external"],
                external=fb["external"],
            )
            for fb in applied
        ]
    if proposed:
        lines += ["", _say("fallback.proposed", language)]
        lines += [
            f"  - {fb['external']}/{fb['protocol']} ({fb['name']}): {fb['note']}" for fb in proposed
        ]
        if any(fb["proposed_external"] for fb in proposed):
            lines.append(_say("fallback.run", language))
    manual = doc.get("manual") or {}
    if not manual.get("needed"):
        return lines
    lines += ["", _say("manual.intro", language)]
    rows = [advice.ManualRow(**r) for r in manual["table"]]
    header = tuple(_say("manual.header", language).split("|"))
    lines += [f"  {line}" for line in advice.format_manual_table(rows, header)]
    if manual["profile"]:
        verified = "" if manual["verified"] else _say("manual.unverified", language)
        lines.append(_say("manual.steps", language, name=manual["profile_name"], verified=verified))
        if manual["menu_path"]:
            lines.append(_say("manual.menu", language, path=manual["menu_path"]))
        lines += [f"  {i}. {step}" for i, step in enumerate(manual["steps"], 1)]
    return lines
