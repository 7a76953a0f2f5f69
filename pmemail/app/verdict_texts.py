"""The subscription verdict in the admin's language: French beside the core's English.

The core (:mod:`netcore.checks.verdict_messages`) names every sentence by an
id with parameters and keeps the English default; :data:`FRENCH` holds the
French (a test checks both languages have the same ids and placeholders).
:func:`verdict_lines` words a report's ``verdict`` for the CLI and the TUI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from netcore.checks.verdict_messages import ENGLISH, Msg
from pmemail.app.cert_wording import render
from pmemail.app.finding_texts import FRENCH_FINDINGS, french_crashed
from pmemail.app.forwarding_texts import FRENCH_FORWARDING

FRENCH: Final[dict[str, str]] = {
    "summary.no_network": "il n'y a pas de réseau : cet ordinateur n'a ni adresse sur un "
    "réseau local ni passerelle par défaut, rien n'a donc pu être vérifié sur l'abonnement "
    "internet",
    "summary.allows": "votre abonnement permet d'héberger le courrier",
    "summary.upstream": "votre ligne ne laisse pas entrer Internet dans sa configuration "
    "actuelle : le routeur redirige les ports {ports}, mais rien ne les atteint depuis "
    "l'extérieur ; un second NAT ou un filtre se trouve donc devant le routeur",
    "summary.double_nat": "votre ligne ne laisse pas entrer Internet telle qu'elle est "
    "réglée : un second boîtier, à l'adresse {address}, le plus souvent le modem du "
    "fournisseur en mode routeur, fait du NAT devant le routeur (double NAT), la "
    "redirection sur le routeur seul ne peut donc rien",
    "summary.cgnat": "votre abonnement ne permet pas d'héberger le courrier : la ligne est "
    "derrière un NAT de l'opérateur (CGNAT) ou un second routeur, Internet ne peut pas "
    "joindre le bureau",
    "summary.not_forwarded": "votre abonnement permet d'héberger le courrier ; les ports ne "
    "sont pas encore redirigés",
    "summary.no_router": "impossible de dire encore si votre abonnement permet d'héberger le "
    "courrier : aucun port du plan n'est joignable depuis Internet et le routeur ne répond "
    "ni en UPnP ni en NAT-PMP ; il faut d'abord rediriger les ports à la main",
    "summary.untested": "votre abonnement semble permettre d'héberger le courrier (le routeur "
    "détient l'adresse publique), mais aucun service d'écho n'a pu tester les ports depuis "
    "l'extérieur",
    "summary.unknown": "impossible de dire encore si votre abonnement permet d'héberger le "
    "courrier : ni Internet ni le routeur n'ont répondu aux questions qui le décident",
    "limit.upstream": "les ports {ports} sont redirigés sur le routeur mais injoignables "
    "depuis Internet : quelque chose devant le routeur les arrête",
    "limit.not_reached": "les ports {ports} ne sont pas encore joignables depuis Internet "
    "(pas redirigés)",
    "limit.untested": "la joignabilité depuis l'extérieur n'est pas vérifiée (aucun service "
    "d'écho n'a répondu)",
    "limit.low_filtered": "les ports {ports} sont redirigés mais injoignables alors que des "
    "ports plus hauts fonctionnent : le fournisseur filtre les ports sous 1024",
    "limit.dynamic": "l'adresse publique est dynamique : il faut un nom DNS dynamique, et "
    "d'autres serveurs peuvent traiter la ligne comme résidentielle",
    "limit.ip_unknown": "on ne sait pas encore si l'adresse publique est fixe",
    "limit.out25_relay": "le port 25 sortant est bloqué : le courrier sortant doit passer "
    "par le relais du fournisseur {relay}",
    "limit.out25": "le port 25 sortant est bloqué : le courrier sortant doit passer par le "
    "relais du fournisseur",
    "advice.connect": "branchez cet ordinateur au réseau du bureau (câble ou Wi-Fi), puis "
    "relancez `pmemail doctor`",
    "advice.upstream": "si un modem du fournisseur se trouve devant le routeur, passez-le en "
    "mode bridge ou redirigez-y aussi les ports {ports} ; sinon demandez au fournisseur "
    "s'il filtre les connexions entrantes",
    "advice.ask_public_ipv4": "demandez à votre fournisseur une adresse IPv4 publique sur le "
    "routeur (souvent appelée option IP fixe ou abonnement professionnel)",
    "advice.bridge_modem": "le côté internet du routeur a l'adresse privée {address} : un "
    "boîtier devant lui (souvent le modem du fournisseur en mode routeur) fait aussi du NAT ; "
    "passez ce boîtier en mode bridge, ou redirigez-y les mêmes ports vers ce routeur",
    "advice.bridge_modem_ahead": "le boîtier à l'adresse {address} devant le routeur (le "
    "plus souvent le modem du fournisseur en mode routeur) fait aussi du NAT : passez-le en "
    "mode bridge, ou redirigez-y aussi les ports {ports} vers ce routeur",
    "advice.meanwhile": "en attendant, relevez le courrier dans la boîte du fournisseur (mode "
    "collecteur, collector.enabled) et envoyez par le relais du fournisseur : la "
    "redirection de ports ne peut rien derrière un CGNAT",
    "advice.run_forwarding": "lancez la redirection : `pmemail ports apply` (ports {ports}), "
    "puis relancez `pmemail doctor`",
    "advice.forward_by_hand": "redirigez les ports {ports} à la main dans la page web du "
    "routeur, http://{gateway} (`pmemail ports plan` affiche le tableau), puis relancez "
    "`pmemail doctor`",
    "advice.refused_by_router": "le routeur a refusé les ports {ports} à la redirection : "
    "ajoutez-les à la main dans sa page web, http://{gateway} (`pmemail ports plan` affiche "
    "le tableau), ou utilisez `pmemail ports apply --fallback` pour les ports qui le "
    "permettent",
    "advice.echo": "vérifiez network.echo_url et la connexion internet, puis relancez "
    "`pmemail doctor`",
    "advice.low_filtered": "demandez au fournisseur d'ouvrir les ports entrants {ports}, ou "
    "utilisez les ports hauts de repli (`pmemail ports apply --fallback`) pour les ports "
    "qui le permettent",
    "advice.dynamic_dns": "utilisez un nom DNS dynamique pour le serveur (beaucoup de "
    "routeurs et de fournisseurs en offrent un) ou demandez une adresse fixe au fournisseur",
    "advice.ip_unknown": 'si votre contrat prévoit une adresse fixe, mettez isp.fixed_ip = "yes" '
    "; sinon relancez `pmemail doctor` plus tard pour la surveiller",
    "advice.relay": "envoyez le courrier sortant par {relay} (relay.host dans la configuration)",
    "advice.ask_relay": "demandez à votre fournisseur le nom de son relais de courrier sortant "
    "et indiquez-le dans relay.host",
}
"""The French of every verdict message id (same placeholders as the English)."""

_FR_ASKED: Final[dict[str, str]] = {
    "router": "du routeur à la passerelle (UPnP et NAT-PMP)",
    "public_ip": "des services d'écho (network.echo_url), pour l'adresse publique",
    "nat": "du routeur et des services d'écho, pour comparer l'adresse publique",
    "ip_kind": "du résolveur DNS, pour le nom inverse de l'adresse publique",
    "dns": "du résolveur DNS (network.resolver), pour les enregistrements du domaine",
    "outbound_25": "de serveurs de courrier distants sur le port 25 (network.port25_probes)",
    "records": "du résolveur DNS (network.resolver), pour les enregistrements publiés",
    "dnsbl": "de la liste de blocage DNS, par le résolveur DNS",
    "certificate": "du propre serveur de courrier de cet ordinateur, pour son certificat",
    "inbound": "du service d'écho, pour se reconnecter à ce port depuis l'extérieur",
}

FRENCH.update(
    {
        "check.inbound.reachable": "le port {port} est joignable depuis Internet",
        "check.inbound.unreachable": "le port {port} n'est pas joignable depuis Internet",
        "check.inbound.no_echo": "aucun service d'écho n'a pu tester le port {port}",
        "check.inbound.udp": "seul TCP peut être testé depuis l'extérieur",
        "check.no_network": "pas vérifié : il n'y a pas de réseau",
        "check.timeout": "pas de réponse en {seconds} s",
        **{
            f"check.timeout.{kind}": "pas de réponse en {seconds} s " + whom
            for kind, whom in _FR_ASKED.items()
        },
    }
)

FRENCH.update(
    {
        "fwd.summary": "{ok} port(s) sur {total} redirigé(s)",
        "fwd.no_public_address": "le routeur n'a pas d'adresse publique (NAT de l'opérateur "
        "ou second routeur devant lui) : y rediriger des ports ne peut rien",
        "fwd.lease": "le routeur garde ces redirections {seconds} s : `pmemail serve` les "
        "renouvelle tant qu'il tourne ; sans lui (un `ports apply` ponctuel) elles expirent — "
        "faites tourner pmemail comme service (`pmemail service install`)",
        "fwd.applied": "le routeur refuse les ports sous 1024 : ces services utilisent "
        "maintenant un port externe haut — demandez au personnel de changer les réglages de "
        "leur logiciel de courrier :",
        "fwd.applied_item": "{name} : port {proposed} au lieu de {external}",
        "fwd.proposed": "le routeur refuse les ports sous 1024 par UPnP/NAT-PMP. Plan de repli :",
        "fwd.smtp_must_be_25": "le SMTP entrant doit rester sur le port 25 : les autres "
        "serveurs livrent toujours au port 25 du MX, un port haut comme 2525 ne sert donc PAS "
        "à recevoir le courrier d'Internet ; autorisez le 25 dans le routeur (à la main, voir "
        "les étapes) ou demandez au fournisseur",
        "fwd.use_port": "utilisez le port externe {proposed} au lieu de {external} : les "
        "logiciels de courrier et favoris doivent alors indiquer le port {proposed} ({name})",
        "fwd.run_fallback": "lancez `pmemail ports apply --fallback` pour rediriger les ports "
        "hauts",
        "fwd.by_hand": "ajoutez ces règles à la main dans la page de redirection de ports du "
        "routeur :",
        "fwd.steps": "étapes pour {profile} :",
        "fwd.steps_unverified": "étapes pour {profile} (non vérifiées) :",
        "fwd.menu": "menu : {path}",
        "fwd.table_header": "port externe|protocole|adresse interne|port interne|service",
    }
)

FRENCH.update(FRENCH_FINDINGS)
FRENCH.update(FRENCH_FORWARDING)
FRENCH.update(french_crashed(_FR_ASKED))

TEXTS: Final[dict[str, dict[str, str]]] = {
    key: {"en": text, "fr": FRENCH.get(key, text)} for key, text in ENGLISH.items()
}
"""Both languages per id, the shape :func:`pmemail.app.cert_wording.render` reads."""

WITH_LIMITS: Final[dict[str, str]] = {"en": ", with limits: ", "fr": ", avec des limites : "}


def word(message: Mapping[str, Any], language: str) -> str:
    """One ``{"id", "params"}`` message in ``language`` (an unknown id reads as its id)."""
    key = str(message.get("id", ""))
    if key not in TEXTS:
        return key
    values: dict[str, object] = dict(message.get("params") or {})
    # a part is a sentence of its own (a finding's reason): worded in the same language
    values |= {k: word(m, language) for k, m in (message.get("parts") or {}).items()}
    return render(TEXTS, key, language, **values)


def sayer(language: str) -> Callable[[Msg], str]:
    """A function wording one message id in ``language`` (for ``next_steps_lines``)."""
    return lambda message: word(message.to_dict(), language)


def finding_text(result: Any, language: str) -> str:
    """A check's finding in ``language``: its message id when it has one, else its words.

    ``result`` is a :class:`netcore.checks.result.CheckResult` (or anything with
    ``finding`` and ``message``).
    """
    message = getattr(result, "message", None)
    if message is None:
        return str(result.finding)
    return word(message.to_dict(), language)


def title_text(result: Any, language: str) -> str:
    """A check's title in ``language`` (titles made outside the core are kept as they are).

    An inbound row is worded from its details (port, protocol, plan entry); one
    without them (not run: no network, a timeout) from the port of its title.
    """
    cid, title = str(result.id), str(result.title)
    if f"title.{cid}" in TEXTS:
        return render(TEXTS, f"title.{cid}", language)
    if cid.startswith("inbound."):
        details = getattr(result, "details", None) or {}
        if "external" in details and "protocol" in details:
            port, protocol = details["external"], details["protocol"]
            name = cid.removeprefix("inbound.")
            return render(
                TEXTS, "title.inbound_port", language, port=port, protocol=protocol, name=name
            )
        if title.startswith("Inbound "):
            return render(TEXTS, "title.inbound", language, port=title.removeprefix("Inbound "))
    return title


def advice_text(result: Any, language: str) -> str:
    """A check's advice in ``language``, one line per message ("" when none).

    ``result`` is a :class:`netcore.checks.result.CheckResult`; one without
    ``advice_messages`` keeps its English ``advice``.
    """
    messages = getattr(result, "advice_messages", ())
    if not messages:
        return str(result.advice)
    return "\n".join(word(m.to_dict(), language) for m in messages)


def verdict_lines(verdict: Mapping[str, Any], language: str) -> tuple[str, list[str], list[str]]:
    """The summary, the limits and the advice of a report's ``verdict`` in ``language``.

    A verdict without ``messages`` (an older report) keeps its English words.
    """
    messages = verdict.get("messages") or {}
    if not messages:
        return (
            str(verdict.get("summary", "")),
            list(verdict.get("limits", [])),
            list(verdict.get("advice", [])),
        )
    limits = [word(m, language) for m in messages.get("limits", [])]
    summary = word(messages.get("summary", {}), language)
    if limits and verdict.get("hosting") == "allows_with_limits":
        summary += WITH_LIMITS.get(language, WITH_LIMITS["en"]) + "; ".join(limits)
    return summary, limits, [word(m, language) for m in messages.get("advice", [])]
