"""Mail-authentication sentences in English and French: one catalogue, no logic.

Keys: ``why.<id>`` words each record of :mod:`netcore.dns_records` (its
``why``); ``relay.<id>`` why outgoing mail needs the ISP's relay;
``check.<row>.<id>`` the doctor's findings on the published records and the
DNSBL. :func:`pmemail.app.cert_wording.render` fills them.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    # ------------------------------------------------------------- what each record is for
    "why.mx": {
        "en": "mail for the domain goes to this server",
        "fr": "le courrier du domaine arrive sur ce serveur",
    },
    "why.a": {
        "en": "the server's name points at the office",
        "fr": "le nom du serveur pointe vers le bureau",
    },
    "why.spf": {
        "en": "SPF: mail leaves from the office's address, receivers trust it",
        "fr": "SPF : le courrier part de l'adresse du bureau, les destinataires lui font confiance",
    },
    "why.spf_relay": {
        "en": "SPF: mail leaves through the ISP's relay, so the record names the relay",
        "fr": "SPF : le courrier part par le relais du fournisseur, l'enregistrement nomme "
        "donc ce relais",
    },
    "why.ptr": {
        "en": "reverse DNS: many receivers refuse mail without it (ask your ISP)",
        "fr": "DNS inverse : beaucoup de destinataires refusent le courrier sans lui "
        "(demandez-le à votre fournisseur)",
    },
    "why.autoconfig": {
        "en": "Thunderbird finds the settings",
        "fr": "Thunderbird trouve les réglages",
    },
    "why.autodiscover": {
        "en": "Outlook finds the settings",
        "fr": "Outlook trouve les réglages",
    },
    "why.dkim": {
        "en": "DKIM: the public key receivers check the office's signatures with",
        "fr": "DKIM : la clé publique avec laquelle les destinataires vérifient les "
        "signatures du bureau",
    },
    "why.dmarc": {
        "en": "DMARC: what receivers do with mail that fails SPF and DKIM, and where they "
        "send reports. Start with p=none; once the reports show only your own mail "
        "passing, tighten to p=quarantine, then p=reject (dkim.dmarc_policy)",
        "fr": "DMARC : ce que font les destinataires du courrier qui échoue à SPF et DKIM, "
        "et où ils envoient leurs rapports. Commencez par p=none ; quand les rapports ne "
        "montrent plus que votre propre courrier, passez à p=quarantine puis p=reject "
        "(dkim.dmarc_policy)",
    },
    "why.mta_sts_host": {
        "en": "MTA-STS: the name the policy is fetched from over HTTPS",
        "fr": "MTA-STS : le nom depuis lequel la politique est lue en HTTPS",
    },
    "why.mta_sts": {
        "en": "MTA-STS: senders must use TLS to reach this server (the id changes with the policy)",
        "fr": "MTA-STS : les expéditeurs doivent utiliser TLS pour joindre ce serveur "
        "(l'id change avec la politique)",
    },
    "why.tls_rpt": {
        "en": "TLS-RPT: where senders report TLS failures",
        "fr": "TLS-RPT : où les expéditeurs signalent les échecs TLS",
    },
    # ----------------------------------------------------- why the ISP's relay is needed
    "relay.direct_ok": {
        "en": "Outgoing mail can go directly: {address} has the reverse name {hostname} "
        "and outbound port 25 is open.",
        "fr": "Le courrier sortant peut partir directement : {address} a le nom inverse "
        "{hostname} et le port 25 sortant est ouvert.",
    },
    "relay.port25_blocked": {
        "en": "Outgoing mail must go through your ISP's relay: the ISP blocks outbound "
        "port 25, so no receiving server can be reached directly.",
        "fr": "Le courrier sortant doit passer par le relais de votre fournisseur : il "
        "bloque le port 25 sortant, aucun serveur destinataire n'est joignable directement.",
    },
    "relay.no_ptr": {
        "en": "Outgoing mail must go through your ISP's relay: {address} has no reverse "
        "DNS name, and Gmail and Microsoft refuse or junk mail from such addresses. Ask "
        "your ISP for the PTR record {hostname}.",
        "fr": "Le courrier sortant doit passer par le relais de votre fournisseur : "
        "{address} n'a pas de nom DNS inverse, et Gmail et Microsoft refusent ou classent "
        "en indésirables le courrier de ces adresses. Demandez à votre fournisseur "
        "l'enregistrement PTR {hostname}.",
    },
    "relay.ptr_mismatch": {
        "en": "Outgoing mail must go through your ISP's relay: the reverse name of "
        "{address} is {ptr}, not {hostname}, and receivers check that they match. Ask "
        "your ISP to set the PTR record to {hostname}.",
        "fr": "Le courrier sortant doit passer par le relais de votre fournisseur : le nom "
        "inverse de {address} est {ptr} et non {hostname}, et les destinataires vérifient "
        "qu'ils correspondent. Demandez à votre fournisseur de mettre le PTR à {hostname}.",
    },
    "relay.unknown": {
        "en": "Outgoing mail should go through your ISP's relay until the checks have "
        "seen the public address, its reverse name and outbound port 25.",
        "fr": "Le courrier sortant devrait passer par le relais de votre fournisseur tant "
        "que les vérifications n'ont pas vu l'adresse publique, son nom inverse et le "
        "port 25 sortant.",
    },
    # ------------------------------------------------------------- doctor: the records
    "check.title.spf": {"en": "SPF record", "fr": "Enregistrement SPF"},
    "check.title.dkim": {"en": "DKIM record", "fr": "Enregistrement DKIM"},
    "check.title.dmarc": {"en": "DMARC record", "fr": "Enregistrement DMARC"},
    "check.title.mta_sts": {"en": "MTA-STS records", "fr": "Enregistrements MTA-STS"},
    "check.title.dnsbl": {"en": "Blocklists (DNSBL)", "fr": "Listes de blocage (DNSBL)"},
    "check.ok": {
        "en": "published as expected for {domains}",
        "fr": "publié comme attendu pour {domains}",
    },
    "check.missing": {"en": "{name} has no such record", "fr": "{name} n'a pas cet enregistrement"},
    "check.wrong": {
        "en": "{name} says {found}",
        "fr": "{name} contient {found}",
    },
    "check.whom.server": {
        "en": "the DNS resolver {resolver} (network.resolver)",
        "fr": "le résolveur DNS {resolver} (network.resolver)",
    },
    "check.whom.system": {
        "en": "this machine's DNS resolver (/etc/resolv.conf)",
        "fr": "le résolveur DNS de cet ordinateur (/etc/resolv.conf)",
    },
    "check.lookup.timeout": {
        "en": "asked {whom} for the {record} record of {name} (TXT): no answer within "
        "{seconds} s; the resolver is down, unreachable or too slow, so whether {record} "
        "is published is unknown",
        "fr": "{whom} a été interrogé sur l'enregistrement {record} de {name} (TXT) : pas "
        "de réponse en {seconds} s ; le résolveur est arrêté, injoignable ou trop lent, on ne "
        "sait donc pas si {record} est publié",
    },
    "check.lookup.servfail": {
        "en": "asked {whom} for the {record} record of {name} (TXT): it answered SERVFAIL, "
        "it could not get an answer from the domain's DNS servers (down, misconfigured or "
        "broken DNSSEC); whether {record} is published is unknown until they answer",
        "fr": "{whom} a été interrogé sur l'enregistrement {record} de {name} (TXT) : il a "
        "répondu SERVFAIL, il n'a pas obtenu de réponse des serveurs DNS du domaine "
        "(arrêtés, mal configurés ou DNSSEC cassé) ; on ne saura si {record} est publié "
        "que lorsqu'ils répondront",
    },
    "check.lookup.refused": {
        "en": "asked {whom} for the {record} record of {name} (TXT): it refused the "
        "question, this resolver does not answer this machine; set network.resolver to one "
        "that does, then check again",
        "fr": "{whom} a été interrogé sur l'enregistrement {record} de {name} (TXT) : il a "
        "refusé la question, ce résolveur ne répond pas à cet ordinateur ; indiquez dans "
        "network.resolver un résolveur qui le fait, puis vérifiez à nouveau",
    },
    "check.lookup.unreachable": {
        "en": "asked {whom} for the {record} record of {name} (TXT): nothing answers at "
        "that address (connection refused or no route), so whether {record} is published "
        "is unknown; check network.resolver and the network",
        "fr": "{whom} a été interrogé sur l'enregistrement {record} de {name} (TXT) : rien "
        "ne répond à cette adresse (connexion refusée ou pas de route), on ne sait donc pas si "
        "{record} est publié ; vérifiez network.resolver et le réseau",
    },
    "check.lookup.other": {
        "en": "asked {whom} for the {record} record of {name} (TXT): the lookup failed, so "
        "whether {record} is published is unknown",
        "fr": "{whom} a été interrogé sur l'enregistrement {record} de {name} (TXT) : la "
        "recherche a échoué, on ne sait donc pas si {record} est publié",
    },
    "check.advice": {
        "en": "publish these records at your DNS provider:\n{lines}",
        "fr": "publiez ces enregistrements chez votre hébergeur DNS :\n{lines}",
    },
    "check.dkim.no_key": {
        "en": "{domain} has no DKIM key yet: start the server or run `pmemail dns records`, "
        "then publish the key's record",
        "fr": "{domain} n'a pas encore de clé DKIM : démarrez le serveur ou lancez "
        "`pmemail dns records`, puis publiez l'enregistrement de la clé",
    },
    "check.dnsbl.none": {
        "en": "no blocklist configured (antispam.dnsbl): not checked",
        "fr": "aucune liste de blocage configurée (antispam.dnsbl) : non vérifié",
    },
    "check.no_address": {
        "en": "public address unknown: not checked",
        "fr": "adresse publique inconnue : non vérifié",
    },
    "check.dnsbl.clean": {
        "en": "{address} is on none of {lists}",
        "fr": "{address} ne figure sur aucune de {lists}",
    },
    "check.dnsbl.listed": {
        "en": "{address} is listed on {lists}",
        "fr": "{address} figure sur {lists}",
    },
    "check.dnsbl.unknown": {
        "en": "{lists} did not answer for {address} ({error}); public resolvers are often "
        "refused by blocklists",
        "fr": "{lists} n'a pas répondu pour {address} ({error}) ; les listes refusent "
        "souvent les résolveurs publics",
    },
    "check.dnsbl.why.timeout": {
        "en": "no answer within {seconds} s from {whom}",
        "fr": "{whom} n'a pas répondu en {seconds} s",
    },
    "check.dnsbl.why.servfail": {
        "en": "{whom} answered SERVFAIL: it could not get an answer from the list's servers",
        "fr": "{whom} a répondu SERVFAIL : il n'a pas obtenu de réponse des serveurs de la liste",
    },
    "check.dnsbl.why.refused": {
        "en": "{whom} refused the question",
        "fr": "{whom} a refusé la question",
    },
    "check.dnsbl.why.unreachable": {
        "en": "nothing answers at the address of {whom}",
        "fr": "{whom} est injoignable (rien ne répond à son adresse)",
    },
    "check.dnsbl.why.other": {
        "en": "the lookup through {whom} failed",
        "fr": "la recherche par {whom} a échoué",
    },
    "check.dnsbl.why.list_refused": {
        "en": "the list refused to answer the query",
        "fr": "la liste a refusé de répondre",
    },
    "check.dnsbl.why.not_ipv4": {
        "en": "{address} is not an IPv4 address",
        "fr": "{address} n'est pas une adresse IPv4",
    },
    "check.dnsbl.advice": {
        "en": "mail from this address is refused by many receivers: send through your "
        "ISP's relay (relay.mode = smarthost) and ask for delisting on the list's site",
        "fr": "beaucoup de destinataires refusent le courrier de cette adresse : envoyez "
        "par le relais de votre fournisseur (relay.mode = smarthost) et demandez le "
        "retrait sur le site de la liste",
    },
}
