"""The checks' findings and advice in French, beside the core's English.

The core (:mod:`netcore.checks.finding_messages`) names every finding and
piece of advice of the doctor's checks by an id with parameters;
:data:`FRENCH_FINDINGS` holds the French, merged into
:data:`pmemail.app.verdict_texts.FRENCH` (one catalogue, one parity test).
"""

from __future__ import annotations

from typing import Final

_FR_KIND: Final[dict[str, str]] = {
    "public": "publique",
    "private": "privée",
    "shared": "partagée (CGNAT)",
    "documentation": "de documentation",
    "loopback": "de bouclage",
    "link-local": "locale au lien",
    "unspecified": "non spécifiée",
    "multicast": "multicast",
    "reserved": "réservée",
    "invalid": "invalide",
}
"""A short word per address kind (the core's ``classify`` values)."""

_FR_KIND_WORDS: Final[dict[str, str]] = {
    "public": "une adresse internet publique",
    "private": "une adresse privée (RFC 1918), valable seulement à l'intérieur d'un réseau",
    "shared": "une adresse partagée de NAT opérateur (100.64.0.0/10) : le fournisseur la "
    "partage entre ses clients",
    "documentation": "une adresse de documentation (RFC 5737), utilisée par les laboratoires "
    "de test",
    "loopback": "une adresse de bouclage (cet ordinateur seulement)",
    "link-local": "une adresse locale au lien (pas de réponse DHCP, non routable)",
    "unspecified": "aucune adresse (0.0.0.0)",
    "multicast": "une adresse multicast",
    "reserved": "une adresse réservée",
    "invalid": "pas une adresse IP",
}
"""The sentence per address kind (the core's ``KIND_WORDS``)."""

_RELAY_UNKNOWN = "demandez à votre fournisseur le nom de son relais SMTP (smarthost)"

FRENCH_FINDINGS: Final[dict[str, str]] = {
    "find.lan.ok": "{interface} {address}, passerelle {gateway}",
    "find.lan.ok_no_gateway": "{interface} {address}, aucune passerelle",
    "find.lan.no_route": "pas de route par défaut : cet ordinateur n'est relié à aucun "
    "routeur (ou indiquez network.interface)",
    "find.lan.no_interface": "l'interface réseau « {interface} » n'existe pas",
    "find.lan.no_ipv4": "{interface} n'a pas d'adresse IPv4",
    "adv.lan.connect": "reliez cet ordinateur au routeur du bureau",
    "find.router.not_igd": "l'appareil UPnP à l'adresse {url} n'est pas une passerelle "
    "internet (aucun service de connexion WAN), et aucun routeur n'a répondu en NAT-PMP",
    "find.router.none": "aucun routeur n'a répondu en UPnP ou en NAT-PMP à {gateway}",
    "find.router.none_no_gateway": "aucun routeur n'a répondu en UPnP ou en NAT-PMP (pas de "
    "passerelle par défaut)",
    "adv.router.enable": "activez UPnP (IGD) ou NAT-PMP dans le routeur, ou redirigez les "
    "ports à la main (`pmemail ports plan` affiche le tableau)",
    "find.router.no_external": "{what} ({how}) n'a pas d'adresse externe utilisable",
    "find.router.no_external_unnamed": "le routeur ({how}) n'a pas d'adresse externe utilisable",
    "adv.router.behind_nat": "le routeur se trouve derrière un autre NAT (le NAT de "
    "l'opérateur ou un autre boîtier) : y rediriger des ports ne peut pas fonctionner",
    "find.public_ip.none": "aucun service d'écho n'a répondu : adresse publique inconnue",
    "adv.public_ip.none": "vérifiez la connexion internet et network.echo_url",
    "find.public_ip.disagree": "les services d'écho ne sont pas d'accord : {seen}",
    "adv.public_ip.disagree": "le bureau sort peut-être par plusieurs adresses (routeur à "
    "répartition de charge, proxy) : le courrier a besoin d'une seule",
    "find.nat.direct": "adresse publique directement sur cet ordinateur",
    "find.nat.nat": "derrière un seul NAT, celui du routeur (l'installation normale d'un bureau)",
    "find.nat.nat_private_hop": "derrière le NAT du routeur ; l'appareil suivant ({hop}) a "
    "lui aussi une adresse privée : si les ports redirigés restent injoignables depuis "
    "l'extérieur, c'est un second NAT (le modem du fournisseur en mode routeur, ou le NAT "
    "du fournisseur lui-même)",
    "find.nat.double_nat": "double NAT ou NAT de l'opérateur : la redirection de ports est "
    "impossible",
    "find.nat.unknown": "situation NAT inconnue",
    "find.nat.double_nat_why": "double NAT ou NAT de l'opérateur : la redirection de ports "
    "est impossible : {reason}",
    "find.nat.unknown_why": "situation NAT inconnue : {reason}",
    "nat.direct": "cet ordinateur détient lui-même l'adresse publique {address} : aucun "
    "routeur entre les deux",
    "nat.adv.direct": "aucune redirection de ports n'est nécessaire ; le pare-feu de cet "
    "ordinateur doit autoriser les ports du courrier",
    "nat.no_external": "le routeur n'a pas d'adresse externe utilisable : il se trouve "
    "derrière le NAT de l'opérateur (CGNAT) ou derrière un autre routeur",
    "nat.adv.ask_isp": "demandez à votre fournisseur une adresse IPv4 publique sur le "
    "routeur (mode « bridge » ou « full-stack », ou un abonnement professionnel avec adresse "
    "fixe) : derrière son NAT, aucune redirection de ports ne peut fonctionner",
    "nat.mismatch": "le routeur annonce l'adresse {router} mais Internet voit {outside} : un "
    "autre NAT se trouve entre les deux",
    "nat.one": "le routeur détient l'adresse publique {address} (la même vue de "
    "l'extérieur) : un seul NAT, l'installation normale d'un bureau",
    "nat.no_router": "Internet voit {address}, mais le routeur n'a répondu ni en UPnP ni en "
    "NAT-PMP : sa propre adresse est donc inconnue",
    "nat.adv.no_router": "activez UPnP sur le routeur, ou regardez sa page d'état : si son "
    "adresse internet n'est pas {address}, il y a un second NAT",
    "nat.no_echo": "aucun service d'écho n'a répondu : l'adresse publique est inconnue "
    "(Internet est-il joignable ?)",
    "find.ip_kind.fixed": "l'adresse publique semble fixe",
    "find.ip_kind.dynamic": "l'adresse publique est dynamique",
    "find.ip_kind.unknown": "impossible de dire si l'adresse publique est fixe",
    "find.ip_kind.fixed_why": "l'adresse publique semble fixe : {reason}",
    "find.ip_kind.dynamic_why": "l'adresse publique est dynamique : {reason}",
    "find.ip_kind.unknown_why": "impossible de dire si l'adresse publique est fixe : {reason}",
    "ipk.changed": "l'adresse publique a changé {count} fois dans l'historique enregistré",
    "ipk.admin_yes_changed": "vous avez répondu que l'adresse est fixe, mais elle a changé",
    "ipk.admin_yes": "vous avez répondu que le contrat prévoit une adresse fixe",
    "ipk.admin_no": "vous avez répondu que l'adresse n'est pas fixe",
    "ipk.profile_fixed": "le profil du fournisseur indique que l'adresse de cet abonnement "
    "est fixe",
    "ipk.profile_dynamic": "le profil du fournisseur indique que l'adresse de cet abonnement "
    "est dynamique",
    "ipk.no_change": "aucun changement vu en {days} jour(s) d'historique",
    "ipk.too_short": "l'historique est trop court pour le dire",
    "ipk.pro_plan": "le profil {profile} indique qu'une adresse fixe demande un abonnement "
    "professionnel",
    "ipk.rdns.none": "l'adresse n'a pas de nom DNS inverse",
    "ipk.rdns.spelled": "son nom DNS inverse {name} reprend l'adresse (un nom de plage du "
    "fournisseur)",
    "ipk.rdns.pool": "son nom DNS inverse {name} contient {tokens} (une plage du fournisseur)",
    "ipk.rdns.fixed_tokens": "son nom DNS inverse {name} contient {tokens}",
    "ipk.rdns.own_name": "son nom DNS inverse {name} ressemble au nom propre d'une entreprise",
    "ipk.rdns.no_hint": "son nom DNS inverse {name} n'indique rien",
    "ipk.adv.dynamic": "l'adresse change : le courrier venant d'Internet a besoin d'un nom DNS "
    "dynamique qui la suit (et la ligne ressemble quand même à une ligne privée pour les "
    "autres serveurs de courrier). La vraie solution est un abonnement professionnel avec "
    "adresse fixe. Sur le câble, l'adresse reste en général tant que le modem reste "
    "connecté ; en ADSL, elle peut changer plusieurs fois par jour.",
    "ipk.adv.unknown": "demandez à votre fournisseur si le contrat comprend une adresse fixe "
    "(indiquez-le dans isp.fixed_ip une fois que vous le savez) ; un abonnement "
    "professionnel avec adresse fixe est la vraie solution pour un serveur de courrier.",
    "find.out25.no_probe": "aucun test du port 25 configuré (network.port25_probes)",
    "find.out25.open": "le port 25 sortant est ouvert : le courrier peut aller directement "
    "aux autres serveurs",
    "find.out25.refused": "les tests du port 25 ont été refusés (l'hôte distant répond mais "
    "n'accepte pas ; le fournisseur ne semble pas bloquer)",
    "adv.out25.refused": "vérifiez que network.port25_probes désigne un vrai serveur de courrier",
    "find.out25.blocked": "votre fournisseur bloque le port 25 sortant (le 587 passe) : le "
    "courrier sortant doit passer par le relais du fournisseur : {relay}",
    "find.out25.blocked_unknown": "votre fournisseur bloque le port 25 sortant (le 587 "
    "passe) : le courrier sortant doit passer par le relais du fournisseur : " + _RELAY_UNKNOWN,
    "adv.out25.blocked": 'mettez relay.mode = "smarthost" et relay.host ({relay})',
    "adv.out25.blocked_unknown": 'mettez relay.mode = "smarthost" et relay.host ('
    + _RELAY_UNKNOWN
    + ")",
    "find.out25.unknown": "aucun test n'a répondu, même sur d'autres ports : impossible de "
    "dire si le port 25 est bloqué (pas d'Internet ?)",
    "adv.out25.unknown": "vérifiez la connexion internet, puis relancez le diagnostic",
    "find.dns.ok": "MX, PTR et SPF de {domain} désignent {address}",
    "find.dns.skipped": "adresse publique inconnue : DNS non vérifié",
    "find.dns.lookups_failed": "les recherches DNS ont échoué ({records}) : le serveur DNS "
    "n'a pas répondu ou a refusé",
    "find.dns.no_mx": "{domain} n'a pas d'enregistrement MX",
    "find.dns.mx_elsewhere": "le MX ({mx}) ne pointe pas vers {address}",
    "find.dns.no_ptr": "{address} n'a pas de nom DNS inverse (PTR)",
    "find.dns.ptr_other": "le PTR de {address} est {ptr}, et non {hostname}",
    "find.dns.no_spf": "{domain} n'a pas d'enregistrement SPF",
    "find.dns.spf_other": "l'enregistrement SPF ne mentionne pas {address}",
    "find.dns.more": "{first} (+{more} autre(s))",
    "adv.dns.publish": "publiez ces enregistrements (le PTR est fixé par votre "
    "fournisseur) :\n{records}",
    "find.dyndns.ok": "{hostname} désigne l'adresse publique {address}",
    "find.dyndns.mismatch": "{hostname} désigne {found}, et non l'adresse publique {address}",
    "find.dyndns.lookup_failed": "l'enregistrement A de {hostname} n'a pas pu être lu : le "
    "serveur DNS n'a pas répondu ou a refusé",
    "find.dyndns.no_address": "adresse publique inconnue : {hostname} non comparé",
    "find.dyndns.refused": "le fournisseur de DNS dynamique a refusé les réglages "
    "({answer}) : {hostname} n'est plus mis à jour",
    "find.dyndns.not_configured": "l'adresse est dynamique mais aucun DNS dynamique n'y "
    "maintient {hostname}",
    "adv.dyndns.configure": "remplissez [dyndns] dans la configuration (provider, username, "
    "password ; hostname s'il diffère de mail.hostname) : `pmemail serve` met alors le nom "
    "à jour quand l'adresse change",
    "adv.dyndns.refused": "vérifiez dyndns.provider, dyndns.hostname, dyndns.username et "
    "dyndns.password : les mises à jour reprennent dès que l'un d'eux change",
    "adv.dyndns.update": "`pmemail serve` met l'enregistrement à jour quand il voit "
    "l'adresse changer (`pmemail dyndns update` l'envoie tout de suite) ; l'ancienne "
    "réponse peut rester dans les caches DNS le temps du TTL de l'enregistrement",
    "adv.dyndns.waiting": "la dernière mise à jour a échoué et le prochain essai attend (le "
    "fournisseur l'a demandé ou n'a pas répondu) : `pmemail status` dit quand",
    "title.lan": "Réseau local",
    "title.router": "Routeur",
    "title.public_ip": "Adresse publique",
    "title.nat": "NAT",
    "title.ip_kind": "Adresse fixe ou dynamique",
    "title.outbound_25": "Port 25 sortant",
    "title.dns": "DNS",
    "title.dyndns": "DNS dynamique",
    "title.subscription": "Abonnement",
    "title.inbound": "Accès depuis Internet au port {port}",
    "title.inbound_port": "Accès depuis Internet au port {port}/{protocol} ({name})",
    "doctor.checking": "vérification de l'abonnement internet ...",
    "adv.timeout": "cette vérification ne dit rien pour l'instant : vérifiez le réseau, ou "
    "augmentez network.check_timeout s'il est lent",
    "error.name": "un nom n'a pas pu être résolu : le serveur DNS ne répond pas ou le nom est faux",
    "error.timeout": "pas de réponse à temps",
    "error.refused": "l'autre côté a refusé la connexion (rien n'y écoute)",
    "error.reset": "la connexion a été coupée (un filtre ou l'autre côté l'a fermée)",
    "error.unreachable": "aucune route pour y aller : le réseau est coupé ou cet ordinateur "
    "n'est pas connecté",
    "error.permission": "le pare-feu ou les permissions de cet ordinateur l'ont refusé",
    "error.network": "une erreur réseau ({kind})",
    "error.bug": "une erreur inattendue dans pmemail ({kind}) : merci de la signaler",
    **{
        f"find.router.ok.{kind}": "{what} ({how}), adresse externe {address} (" + word + ")"
        for kind, word in _FR_KIND.items()
    },
    **{
        f"find.router.ok_unnamed.{kind}": "le routeur ({how}), adresse externe {address} ("
        + word
        + ")"
        for kind, word in _FR_KIND.items()
    },
    **{
        f"find.public_ip.ok.{kind}": "Internet voit {address} (adresse " + word + ")"
        for kind, word in _FR_KIND.items()
    },
    **{
        f"nat.router_behind.{kind}": "le côté internet du routeur a l'adresse {address}, "
        + words
        + " : un autre NAT (celui du fournisseur ou un second boîtier) se trouve devant lui"
        for kind, words in _FR_KIND_WORDS.items()
    },
    **{
        f"nat.echo_saw.{kind}": "le service d'écho a vu {address}, " + words
        for kind, words in _FR_KIND_WORDS.items()
    },
}
"""The French of every check finding / advice id (same placeholders as the English)."""


def french_crashed(asked_fr: dict[str, str]) -> dict[str, str]:
    """The French of a crashed check's finding, per whom it asked (``check.crashed.*``)."""
    return {"check.crashed": "{error}"} | {
        f"check.crashed.{kind}": "en attendant une réponse " + whom + " : {error}"
        for kind, whom in asked_fr.items()
    }
