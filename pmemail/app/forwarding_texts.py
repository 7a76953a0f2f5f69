"""Forwarding's per-port outcomes and the router's refusals in French, beside the core's English.

The core (:mod:`netcore.forwarding_messages`) names each sentence by an id
with parameters; :data:`FRENCH_FORWARDING` holds the French, merged into
:data:`pmemail.app.verdict_texts.FRENCH` (one catalogue, one parity test).
``{what}`` is "le port 25" or "ce port": the sentences are built around it.
"""

from __future__ import annotations

from typing import Final

_FR_PMP_RESULTS: Final[dict[str, str]] = {
    "unsupported_version": "le routeur ne parle pas cette version du protocole",
    "not_authorized": "pas autorisé (le protocole est peut-être désactivé dans le routeur, "
    "ou il refuse ce port)",
    "malformed_request": "le routeur juge la demande mal formée",
    "unsupported_opcode": "le routeur ne prend pas en charge cette demande",
    "unsupported_option": "le routeur ne prend pas en charge une option de la demande",
    "malformed_option": "le routeur juge une option de la demande mal formée",
    "network_failure": "panne réseau (le routeur n'a peut-être pas encore d'adresse internet)",
    "no_resources": "le routeur ne peut plus créer de redirections (plus de ressources)",
    "unsupported_protocol": "le routeur ne peut pas rediriger ce protocole",
    "quota": "le quota de redirections du routeur pour cet ordinateur est épuisé",
    "cannot_provide_external": "le routeur ne peut pas donner ce port externe",
    "address_mismatch": "le routeur a vu une autre adresse source que celle de la demande "
    "(un NAT entre cet ordinateur et le routeur ?)",
    "excessive_peers": "le routeur refuse : trop de correspondants distants",
}

_SECURE_MODE = (
    "le routeur refuse (UPnP 718) : le port est déjà redirigé ailleurs, ou le routeur ne "
    "laisse un ordinateur rediriger des ports que vers lui-même (« mode sécurisé » UPnP) ; "
    "pmemail ne peut donc pas ouvrir ce port pour un autre ordinateur : ajoutez la règle à "
    "la main dans le routeur (voir le tableau)"
)
_NO_ROUTE_HINT = " (aucun routeur) — vérifiez le câble réseau ou le Wi-Fi, ou network.interface"
_AGAIN = " ; relancez `pmemail ports apply` plus tard"
_OFF_LAN = (
    "ports.{name}.internal_host = {host} n'est pas sur le réseau local du bureau "
    "{network} : rien n'a été demandé au routeur. Indiquez l'adresse de l'ordinateur qui "
    "doit recevoir le port {port} "
)
_FALLBACK = (
    "redirigé par {method} sur le port externe {high} au lieu du {refused} (le routeur "
    "refuse le {refused}) : donnez au personnel le port {high} pour {name} dans les réglages "
    "de leur logiciel de courrier et leurs favoris"
)

FRENCH_FORWARDING: Final[dict[str, str]] = {
    "fwd.err.what.port": "le port {port}",
    "fwd.err.what.this": "ce port",
    "fwd.err.conflict_holder": "{what} est déjà redirigé vers {holder} — supprimez "
    "cette règle dans le routeur ou choisissez un autre port",
    "fwd.err.conflict": "le routeur refuse {what} : il est déjà redirigé, ou le routeur ne "
    "laisse un ordinateur rediriger des ports que vers lui-même (mode sécurisé)",
    "fwd.err.not_authorized_low": "les règles UPnP du routeur refusent {what} (beaucoup de "
    "routeurs n'autorisent que les ports à partir de 1024, ou seulement vers l'ordinateur "
    "qui demande)",
    "fwd.err.not_authorized": "les règles UPnP du routeur refusent {what} (ses règles "
    "d'autorisation n'admettent que certains ports externes et internes, ou seulement une "
    "redirection vers l'ordinateur qui demande)",
    "fwd.err.action_failed": "le routeur a accepté la demande mais n'a pas pu rediriger "
    "{what} (il n'a peut-être pas d'adresse publique utilisable : CGNAT ou double NAT)",
    "fwd.err.invalid_action": "le routeur ne prend pas en charge cette demande UPnP",
    "fwd.err.only_permanent": "le routeur n'accepte que des redirections permanentes",
    "fwd.err.table_full": "la table de redirection du routeur est pleine",
    "fwd.err.same_port": "pour {what}, le routeur exige le même port externe et interne",
    "fwd.err.no_router": "aucun routeur n'a répondu en UPnP, NAT-PMP ou PCP sur ce réseau",
    "fwd.err.substituted": "le routeur a donné un autre port externe à la place de {what}",
    "fwd.err.network": "le routeur n'a pas répondu correctement",
    "fwd.err.off_lan": "{what} : sa cible n'est pas sur le réseau local du bureau",
    "fwd.err.not_asked": "{what} n'a pas été demandé : le nombre de demandes permis pour "
    "cette exécution était épuisé",
    "fwd.err.no_public_address": "le routeur n'a pas d'adresse publique (NAT de l'opérateur "
    "ou second routeur devant lui) : y rediriger des ports ne peut rien, demandez au "
    "fournisseur une adresse IPv4 publique",
    "fwd.err.other": "le routeur a refusé {what} : {name} ({code})",
    "fwd.err.unknown_code": "le routeur a refusé {what} : erreur inconnue ({code})",
    "fwd.err.upnp_no_answer": "le routeur n'a pas répondu correctement à la demande UPnP "
    "(il est peut-être occupé ou en train de redémarrer) ; réessayez dans une minute",
    "fwd.err.upnp_no_answer_port": "le routeur n'a pas répondu correctement à la demande "
    "UPnP pour le port {port} (il est peut-être occupé ou en train de redémarrer) ; "
    "réessayez dans une minute",
    "fwd.err.no_igd": "aucun routeur UPnP (IGD) n'a répondu sur ce réseau",
    "fwd.err.none_answered": "aucun routeur n'a répondu",
    "fwd.err.natpmp_silent": "le routeur {gateway} ne répond pas en NAT-PMP",
    "fwd.err.pcp_silent": "le routeur {gateway} ne répond pas en PCP",
    "fwd.err.natpmp_failed": "la demande NAT-PMP au routeur {gateway} a échoué ({kind}) : le "
    "routeur ou le réseau ne l'a pas transmise",
    "fwd.err.natpmp_short": "le routeur {gateway} a envoyé une réponse NAT-PMP mal formée "
    "(trop courte)",
    "fwd.err.natpmp_malformed": "le routeur {gateway} a envoyé une réponse NAT-PMP mal "
    "formée (version {version}, code d'opération {opcode})",
    "fwd.err.pmp_refused": "{protocol} a refusé le port {port} : {result}",
    "fwd.err.pcp_delete_refused": "PCP a refusé de supprimer la redirection : {result}",
    "fwd.err.pmp_result_unknown": "code de résultat {code}",
    "fwd.err.moved": "le routeur refuse le port {port} (il a proposé le {offered} à la place)",
    "fwd.err.iface_no_gateway": "l'interface {interface} n'a pas de passerelle" + _NO_ROUTE_HINT,
    "fwd.err.no_default_route": "cet ordinateur n'a pas de route par défaut" + _NO_ROUTE_HINT,
    "fwd.err.iface_no_ipv4": "network.interface {interface} n'a pas d'adresse IPv4",
    "fwd.err.verify": "le routeur a accepté le port {port} mais sa table indique {got}",
    "fwd.err.verify_nothing": "le routeur a accepté le port {port} mais sa table n'en "
    "montre aucune trace",
    "fwd.err.budget_count": "pas demandé : pmemail s'arrête après {count} demandes au routeur "
    "par exécution, pour ne pas le surcharger" + _AGAIN,
    "fwd.err.budget_time": "pas demandé : la redirection s'est arrêtée après {seconds} s pour "
    "ne pas surcharger le routeur" + _AGAIN,
    "fwd.err.other_host_no_upnp": "aucun routeur UPnP pour rediriger le port {port} vers "
    "{host} (NAT-PMP et PCP ne redirigent que vers cet ordinateur)",
    "fwd.err.other_host_conflict": "port {port} vers {host} : " + _SECURE_MODE,
    "fwd.err.other_host_refused": "les règles d'autorisation UPnP du routeur refusent le port "
    "{port} vers {host} (un autre ordinateur) : ajoutez la règle à la main dans le routeur "
    "(voir le tableau)",
    "fwd.err.delete_refused": "le routeur refuse de supprimer le port {port} (il appartient "
    "à {host}) ; supprimez-le dans la page de redirection de ports du routeur",
    "fwd.err.off_lan_seen": _OFF_LAN + "(ordinateurs vus sur le réseau local : {seen})",
    "fwd.err.off_lan_unseen": _OFF_LAN + "(une adresse dans {network} : les réglages réseau "
    "de l'ordinateur l'indiquent)",
    "fwd.out.forwarded": "redirigé par {method}",
    "fwd.out.fallback_taken": "{reason} (le port de repli {port} est déjà pris par une autre "
    "entrée du plan)",
    "fwd.out.fallback_failed": "{reason} (le port de repli {port} a échoué lui aussi : {why})",
    "fwd.out.fallback_applied": _FALLBACK,
    "fwd.out.fallback_applied_listen": _FALLBACK + " ; le serveur doit écouter sur le port "
    "{internal} : mettez ports.{name}.internal = {internal} (comme le fait `pmemail init "
    "--unprivileged`) et redémarrez pmemail",
    "fwd.line.mapped": "redirigé par {method} (bail de {seconds} s)",
    "fwd.line.mapped_permanent": "redirigé par {method} (permanent)",
    "fwd.line.instead": "{state}, au lieu du port refusé {port}",
    "fwd.line.removed": "supprimé ({method})",
    "fwd.line.failed": "ÉCHEC : {reason}",
    "fwd.dmz": "pmemail n'utilise jamais la DMZ du routeur (« hôte exposé ») : avec une DMZ, "
    "le routeur cesse de filtrer tout le reste et envoie à cet ordinateur chaque port venant "
    "d'Internet, y compris des services qui ne devaient jamais être publics. Seuls les ports "
    "de ce plan sont redirigés.",
    "fwd.line.plan": "plan des ports (cet ordinateur : {address})",
    "fwd.line.plan_fallback": "(repli pour le {port})",
    "fwd.line.warning": "ATTENTION {reason}",
    "fwd.line.table": "table du routeur ({where}) ; * = pmemail",
    "fwd.line.no_upnp": "pas d'UPnP",
    "fwd.line.permanent": "permanent",
    "fwd.line.instead_of": "(au lieu du {port})",
    "fwd.line.empty": "(vide)",
    "fwd.line.forwarding": "redirection de {count} port(s) vers ce bureau (routeur {gateway})",
    "fwd.line.removed_count": "{ok} redirection(s) sur {total} supprimée(s)",
    "fwd.line.profile_warning": "attention : {reason}",
    "fwd.plan.duplicate": "ports.{name} et ports.{other} utilisent tous deux le port externe "
    "{mapping} ; donnez un autre port à l'un des deux",
    "fwd.plan.not_ipv4": "{where} : {value} n'est pas une adresse IPv4 (le routeur redirige "
    "vers une adresse du réseau local comme 192.168.1.20)",
    "fwd.plan.no_route": "aucune route vers le routeur {gateway} : {error}",
    "fwd.profile.unknown": "aucun profil de routeur {name} ; profils connus : {known}",
    "fwd.profile.unusable": "profil de routeur {origin} inutilisable : {error}",
    "fwd.os.plan": "impossible d'établir le plan des ports : {error}",
    "fwd.os.apply": "impossible de rediriger les ports : {error}",
    "fwd.os.list": "impossible de lire la table du routeur : {error}",
    "fwd.os.remove": "impossible de supprimer les redirections : {error}",
    "fwd.monitor.restored": "le routeur avait perdu la redirection {mapping} : rétablie",
    "fwd.monitor.renewed": "la redirection {mapping} du routeur a été renouvelée",
    "fwd.monitor.refreshed": "la redirection {mapping} a été redemandée au routeur",
    "fwd.monitor.rebooted": "le routeur a redémarré : pmemail lui redemande ses redirections",
    "fwd.monitor.failed": "la redirection {mapping} du routeur n'a pas pu être maintenue : "
    "{reason}",
    "fwd.monitor.check_failed": "la vérification du routeur a échoué : {error}",
    **{f"fwd.pmp.{meaning}": text for meaning, text in _FR_PMP_RESULTS.items()},
}
"""The French of every forwarding message id (same placeholders as the English)."""
