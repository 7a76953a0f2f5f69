"""The config file's comments in French: each key's doc, as ``pmemail config show`` prints it.

:mod:`pmemail.config.writer` writes the English doc of each key (from
``model``); with ``language = "fr"`` it looks the same doc up here, by its
words (whitespace folded). A test checks every doc of the model has its
French, so a new key cannot print English in French.
"""

from __future__ import annotations

from typing import Final

HEADER_FR: Final = """\
# Configuration de pmemail. Chaque clé est facultative : une clé absente prend la
# valeur par défaut montrée ici. Vérifiez-la avec `pmemail config show`.
"""

_PAIRS: Final[tuple[tuple[str, str], ...]] = (
    (
        "Where mail, queue, users and state live.",
        "Où vivent le courrier, la file d'attente, les utilisateurs et l'état.",
    ),
    (
        (
            "Language of the app and the commands: auto (from LANG / LC_MESSAGES, else "
            "English), en or fr. `pmemail --lang fr ...` overrides it for one run."
        ),
        (
            "Langue de l'application et des commandes : auto (d'après LANG / LC_MESSAGES, sinon"
            " l'anglais), en ou fr. `pmemail --lang fr ...` la remplace le temps d'une "
            "commande."
        ),
    ),
    (
        "The mail domain and how the server presents itself.",
        "Le domaine de messagerie et la façon dont le serveur se présente.",
    ),
    (
        "The office's mail domain (the part after @).",
        "Le domaine de messagerie du bureau (la partie après @).",
    ),
    (
        "Public host name of this server (the MX target).",
        "Nom d'hôte public de ce serveur (la cible du MX).",
    ),
    (
        "Other domains delivered here.",
        "Autres domaines livrés ici.",
    ),
    (
        (
            "Largest accepted message in bytes (SIZE); 150 MiB takes a 100 MiB attachment, "
            "which base64 makes about 137 MiB."
        ),
        (
            "Plus grand message accepté, en octets (SIZE) ; 150 Mio laissent passer une pièce "
            "jointe de 100 Mio, que base64 porte à environ 137 Mio."
        ),
    ),
    (
        "PEM certificate; empty = the one generated in data_dir/tls.",
        "Certificat PEM ; vide = celui généré dans data_dir/tls.",
    ),
    (
        "PEM private key for tls_cert.",
        "Clé privée PEM de tls_cert.",
    ),
    (
        "More internal ports that accept authenticated submission (587).",
        "Ports internes supplémentaires acceptant l'envoi authentifié (587).",
    ),
    (
        "Implicit-TLS submission port (465); 0 = off.",
        "Port d'envoi en TLS implicite (465) ; 0 = désactivé.",
    ),
    (
        "The ports the router forwards. Never a DMZ: only these.",
        "Les ports que le routeur redirige. Jamais de DMZ : seulement ceux-ci.",
    ),
    (
        "SMTP in: mail from the internet",
        "SMTP entrant : le courrier venu d'Internet",
    ),
    (
        "Port opened on the router's public address.",
        "Port ouvert sur l'adresse publique du routeur.",
    ),
    (
        "Port the service listens on inside the office.",
        "Port sur lequel le service écoute à l'intérieur du bureau.",
    ),
    (
        "LAN address the router forwards to; empty = this machine's LAN address.",
        (
            "Adresse du réseau local vers laquelle le routeur redirige ; vide = l'adresse de "
            "cet ordinateur sur le réseau local."
        ),
    ),
    (
        "TCP or UDP.",
        "TCP ou UDP.",
    ),
    (
        "Shown in the router's table (prefixed with 'pmemail').",
        "Affiché dans la table du routeur (précédé de « pmemail »).",
    ),
    (
        "Forward this port at all.",
        "Rediriger ce port ou non.",
    ),
    (
        "SMTP submission for roaming staff (hotel ISPs block 25)",
        "Envoi SMTP pour le personnel en déplacement (les accès d'hôtel bloquent le 25)",
    ),
    (
        "IMAP (STARTTLS)",
        "IMAP (STARTTLS)",
    ),
    (
        "POP3 (STLS)",
        "POP3 (STLS)",
    ),
    (
        "Web: ACME challenge and redirect to HTTPS",
        "Web : défi ACME et redirection vers HTTPS",
    ),
    (
        "Webmail, autoconfig and autodiscover over HTTPS",
        "Webmail, autoconfig et autodiscover en HTTPS",
    ),
    (
        "Remote desktop to another office PC",
        "Bureau à distance vers un autre PC du bureau",
    ),
    (
        "How the ISP subscription is checked.",
        "Comment l'abonnement internet est vérifié.",
    ),
    (
        "LAN interface; empty = the one carrying the default route.",
        "Interface du réseau local ; vide = celle qui porte la route par défaut.",
    ),
    (
        (
            "echoip-compatible services: GET /ip gives our public address, GET /port/N tells "
            "whether port N is reachable from outside."
        ),
        (
            "Services compatibles echoip : GET /ip donne notre adresse publique, GET /port/N "
            "dit si le port N est joignable depuis l'extérieur."
        ),
    ),
    (
        "host:port list used to test whether the ISP blocks outbound port 25.",
        "Liste hôte:port servant à tester si le fournisseur bloque le port 25 sortant.",
    ),
    (
        "DNS server address for checks; empty = the system's.",
        "Adresse du serveur DNS des vérifications ; vide = celui du système.",
    ),
    (
        "Seconds for one echo-service request.",
        "Secondes pour une requête au service d'écho.",
    ),
    (
        "Seconds for one TCP probe.",
        "Secondes pour un essai TCP.",
    ),
    (
        "Seconds for one DNS query.",
        "Secondes pour une requête DNS.",
    ),
    (
        "Upper bound for any single doctor check.",
        "Durée maximale d'une vérification du doctor.",
    ),
    (
        "How long SSDP discovery waits for the router, ms.",
        "Temps d'attente de la découverte SSDP du routeur, en ms.",
    ),
    (
        "Seconds to wait for a NAT-PMP/PCP answer.",
        "Secondes d'attente d'une réponse NAT-PMP/PCP.",
    ),
    (
        "Lease requested for each router mapping; renewed before expiry.",
        "Bail demandé pour chaque redirection du routeur ; renouvelé avant son expiration.",
    ),
    (
        "Renew a mapping when this fraction of its lease is left.",
        "Renouveler une redirection quand il reste cette fraction de son bail.",
    ),
    (
        "Seconds between checks that mappings are still on the router.",
        ("Secondes entre deux vérifications que les redirections sont toujours sur le routeur."),
    ),
    (
        "What the admin knows about the subscription and the router.",
        "Ce que l'administrateur sait de l'abonnement et du routeur.",
    ),
    (
        "ISP/router profile name from router_profiles (e.g. 'proximus').",
        ("Nom du profil de fournisseur ou de routeur dans router_profiles (par ex. 'proximus')."),
    ),
    (
        "Router family profile name (e.g. 'fritzbox').",
        "Nom du profil de la famille de routeurs (par ex. 'fritzbox').",
    ),
    (
        "The admin's own answer: does the contract give a fixed address?",
        "La réponse de l'administrateur : le contrat donne-t-il une adresse fixe ?",
    ),
    (
        "How outbound mail leaves the office.",
        "Comment le courrier sortant quitte le bureau.",
    ),
    (
        (
            "auto = smarthost when port 25 is blocked or a host is set; smarthost; direct = to "
            "the recipient's MX."
        ),
        (
            "auto = relais du fournisseur quand le port 25 est bloqué ou qu'un hôte est indiqué"
            " ; smarthost ; direct = vers le MX du destinataire."
        ),
    ),
    (
        "ISP smarthost (e.g. relay.proximus.be); empty = none.",
        "Relais du fournisseur (par ex. relay.proximus.be) ; vide = aucun.",
    ),
    (
        "Smarthost port.",
        "Port du relais.",
    ),
    (
        "starttls, tls (implicit) or none.",
        "starttls, tls (implicite) ou none.",
    ),
    (
        "Smarthost login; empty = no AUTH.",
        "Identifiant sur le relais ; vide = pas d'AUTH.",
    ),
    (
        "Smarthost password.",
        "Mot de passe sur le relais.",
    ),
    (
        "PEM CA bundle to verify the smarthost's certificate; empty = the system's.",
        "Ensemble d'AC PEM pour vérifier le certificat du relais ; vide = celui du système.",
    ),
    (
        "Retries and bounces of the outbound queue.",
        "Nouvelles tentatives et renvois de la file d'attente sortante.",
    ),
    (
        "Seconds before the first retry.",
        "Secondes avant la première nouvelle tentative.",
    ),
    (
        "Each retry waits this much longer.",
        "Chaque nouvelle tentative attend d'autant plus longtemps.",
    ),
    (
        "Longest wait between retries, s.",
        "Attente maximale entre deux tentatives, en s.",
    ),
    (
        "Bounce after this many seconds (5 days).",
        "Renvoyer à l'expéditeur après ce nombre de secondes (5 jours).",
    ),
    (
        "Warn the sender after this many s.",
        "Avertir l'expéditeur après ce nombre de s.",
    ),
    (
        "Seconds between queue runs.",
        "Secondes entre deux passages de la file.",
    ),
    (
        "Seconds to connect to a remote server.",
        "Secondes pour se connecter à un serveur distant.",
    ),
    (
        "Messages delivered at the same time (each one or a few SMTP connections).",
        "Messages remis en même temps (chacun par une ou quelques connexions SMTP).",
    ),
    (
        "Fetching the ISP's POP mailbox (the old set-up, during the move).",
        (
            "La relève de la boîte POP du fournisseur (l'ancienne installation, pendant le "
            "déménagement)."
        ),
    ),
    (
        "Run the collector.",
        "Lancer la relève.",
    ),
    (
        "Seconds between fetches (10 minutes).",
        "Secondes entre deux relèves (10 minutes).",
    ),
    (
        "Seconds for one POP3 operation.",
        "Secondes pour une opération POP3.",
    ),
    (
        "ISP mailboxes to fetch.",
        "Boîtes du fournisseur à relever.",
    ),
    (
        "Authentication policy.",
        "Règles d'authentification.",
    ),
    (
        ("Allow password login without TLS from 127.0.0.1 and ::1 only (tests, local scripts)."),
        (
            "Autoriser la connexion par mot de passe sans TLS depuis 127.0.0.1 et ::1 seulement"
            " (tests, scripts locaux)."
        ),
    ),
    (
        "Wrong passwords per (client address, user) before a temporary lock.",
        ("Mots de passe erronés par (adresse du client, utilisateur) avant un blocage temporaire."),
    ),
    (
        "How long such a lock lasts.",
        "Durée d'un tel blocage.",
    ),
    (
        "Base delay after a wrong password, doubled at each failure.",
        "Délai de base après un mot de passe erroné, doublé à chaque échec.",
    ),
    (
        (
            "Longest wait before a wrong-password answer (caps that doubling; the connection is"
            " held no longer)."
        ),
        (
            "Attente maximale avant la réponse à un mot de passe erroné (plafonne ce doublement"
            " ; la connexion n'est pas retenue plus longtemps)."
        ),
    ),
    (
        (
            "Wrong passwords from one client address across all users before that address is "
            "locked (password spraying)."
        ),
        (
            "Mots de passe erronés depuis une même adresse de client, tous utilisateurs "
            "confondus, avant le blocage de cette adresse (pulvérisation de mots de passe)."
        ),
    ),
    (
        "Like max_failures, for the office's own addresses (see office_networks).",
        "Comme max_failures, pour les adresses du bureau lui-même (voir office_networks).",
    ),
    (
        "Like max_failures_per_address, for the office's own addresses.",
        "Comme max_failures_per_address, pour les adresses du bureau lui-même.",
    ),
    (
        (
            "Unknown recipients one client address may try on port 25 within lock_seconds; past"
            " that every recipient gets a temporary 450 (address harvesting learns nothing)."
        ),
        (
            "Destinataires inconnus qu'une même adresse de client peut essayer sur le port 25 "
            "pendant lock_seconds ; au-delà, chaque destinataire reçoit un 450 temporaire (la "
            "collecte d'adresses n'apprend rien)."
        ),
    ),
    (
        (
            "The office's networks (CIDR, e.g. 192.168.1.0/24), given the office budgets; empty"
            " = the LAN of network.interface. The public address last seen is added."
        ),
        (
            "Les réseaux du bureau (CIDR, par ex. 192.168.1.0/24), qui reçoivent les quotas du "
            "bureau ; vide = le réseau local de network.interface. La dernière adresse publique"
            " vue s'y ajoute."
        ),
    ),
    (
        "The `pmemail serve` process.",
        "Le processus `pmemail serve`.",
    ),
    (
        "Address the services bind to.",
        "Adresse sur laquelle les services écoutent.",
    ),
    (
        (
            "Unprivileged account the services run as: started as root, pmemail serve binds its"
            " ports, then becomes this user. Empty = stay root (not recommended)."
        ),
        (
            "Compte non privilégié sous lequel tournent les services : lancé en root, pmemail "
            "serve ouvre ses ports puis devient ce compte. Vide = rester root (déconseillé)."
        ),
    ),
    (
        "Unix socket for status; empty = data_dir/pmemail.sock.",
        "Socket Unix de l'état ; vide = data_dir/pmemail.sock.",
    ),
    (
        "Pid file; empty = data_dir/pmemail.pid.",
        "Fichier pid ; vide = data_dir/pmemail.pid.",
    ),
    (
        "Log file; empty = data_dir/logs/pmemail.log.",
        "Fichier journal ; vide = data_dir/logs/pmemail.log.",
    ),
    (
        (
            "Kept for old files: a non-zero value overrides ports.https.internal. HTTPS is on "
            "or off with ports.https.enabled."
        ),
        (
            "Gardé pour les anciens fichiers : une valeur non nulle remplace "
            "ports.https.internal. HTTPS s'active ou se désactive avec ports.https.enabled."
        ),
    ),
    (
        "Keep the router's port mappings in place while serving (re-add, renew leases).",
        (
            "Maintenir les redirections du routeur pendant le service (les remettre, renouveler"
            " les baux)."
        ),
    ),
    (
        "Seconds each service gets to stop on SIGTERM before it is abandoned.",
        ("Secondes accordées à chaque service pour s'arrêter sur SIGTERM avant d'être abandonné."),
    ),
    (
        "Open connections each listening port accepts at once; more are refused at once.",
        (
            "Connexions ouvertes qu'accepte à la fois chaque port d'écoute ; les suivantes sont"
            " refusées aussitôt."
        ),
    ),
    (
        "Open connections one client address may hold on each listening port.",
        ("Connexions ouvertes qu'une même adresse de client peut garder sur chaque port d'écoute."),
    ),
    (
        (
            "Who serves the mail ports: pmemail (its own services, the default) or "
            "postfix-dovecot (handed over with `pmemail export postfix-dovecot`: the dashboard "
            "and the doctor then watch Postfix and Dovecot on the same ports)."
        ),
        (
            "Qui sert les ports de messagerie : pmemail (ses propres services, par défaut) ou "
            "postfix-dovecot (remis avec `pmemail export postfix-dovecot` : le tableau de bord "
            "et le doctor surveillent alors Postfix et Dovecot sur les mêmes ports)."
        ),
    ),
    (
        "The POP3 server (RFC 1939) for users who download their mail.",
        "Le serveur POP3 (RFC 1939) pour les utilisateurs qui téléchargent leur courrier.",
    ),
    (
        "Seconds of client silence before the server hangs up (RFC 1939 asks for 600).",
        ("Secondes de silence du client avant que le serveur raccroche (la RFC 1939 demande 600)."),
    ),
    (
        "Seconds of silence allowed before a client has logged in.",
        "Secondes de silence permises avant qu'un client se soit connecté.",
    ),
    (
        "The IMAP server (RFC 3501) for users who keep their mail on the server.",
        (
            "Le serveur IMAP (RFC 3501) pour les utilisateurs qui gardent leur courrier sur le "
            "serveur."
        ),
    ),
    (
        "Seconds of client silence before the server hangs up (RFC 3501: at least 1800).",
        (
            "Secondes de silence du client avant que le serveur raccroche (RFC 3501 : au moins "
            "1800)."
        ),
    ),
    (
        (
            "Seconds of silence allowed before a client has logged in (RFC 3501's 30 minutes "
            "apply after login)."
        ),
        (
            "Secondes de silence permises avant qu'un client se soit connecté (les 30 minutes "
            "de la RFC 3501 s'appliquent après la connexion)."
        ),
    ),
    (
        (
            "Seconds between checks of an open folder for mail written by other programs, only "
            "where inotify is unavailable (not Linux, or its watch limit reached); one check "
            "per folder, however many clients IDLE on it."
        ),
        (
            "Secondes entre deux vérifications d'un dossier ouvert pour du courrier écrit par "
            "d'autres programmes, seulement sans inotify (hors Linux, ou sa limite de "
            "surveillances atteinte) ; une vérification par dossier, quel que soit le nombre de"
            " clients en IDLE dessus."
        ),
    ),
    (
        "The webmail (browser access on ports.webmail / server.https_port).",
        "Le webmail (accès par navigateur sur ports.webmail / server.https_port).",
    ),
    (
        "Seconds of inactivity after which a webmail login expires.",
        "Secondes d'inactivité après lesquelles une connexion au webmail expire.",
    ),
    (
        "Seconds after which a webmail login expires whatever happens.",
        "Secondes après lesquelles une connexion au webmail expire quoi qu'il arrive.",
    ),
    (
        "Messages per page in the message list.",
        "Messages par page dans la liste des messages.",
    ),
    (
        "Seconds a new browser connection may stay silent before its first request.",
        (
            "Secondes pendant lesquelles une nouvelle connexion de navigateur peut rester "
            "muette avant sa première requête."
        ),
    ),
    (
        (
            "Port 80: redirect = only the ACME challenge and a redirect to HTTPS (default); lan"
            " = also the webmail in plain HTTP for the office's own networks (never for an "
            "address outside them)."
        ),
        (
            "Port 80 : redirect = seulement le défi ACME et une redirection vers HTTPS (par "
            "défaut) ; lan = aussi le webmail en HTTP simple pour les réseaux du bureau (jamais"
            " pour une adresse extérieure)."
        ),
    ),
    (
        (
            "A trusted certificate from an ACME CA (Let's Encrypt) for the mail host name. "
            "Renewal starts when the certificate has less than renew_before_days left, or a "
            "third of its lifetime (whichever comes first), with back-off on failure."
        ),
        (
            "Un certificat reconnu d'une AC ACME (Let's Encrypt) pour le nom d'hôte de "
            "messagerie. Le renouvellement commence quand il reste au certificat moins de "
            "renew_before_days, ou un tiers de sa durée de vie (le premier atteint), avec des "
            "attentes croissantes en cas d'échec."
        ),
    ),
    (
        (
            "Obtain and renew a certificate with ACME; off = the self-signed one (a certificate"
            " in mail.tls_cert is always used as is)."
        ),
        (
            "Obtenir et renouveler un certificat avec ACME ; désactivé = le certificat "
            "auto-signé (un certificat indiqué dans mail.tls_cert est toujours utilisé tel "
            "quel)."
        ),
    ),
    (
        "ACME directory URL; empty = Let's Encrypt (production, or staging).",
        "URL de l'annuaire ACME ; vide = Let's Encrypt (production, ou staging).",
    ),
    (
        (
            "With directory empty: Let's Encrypt's staging CA (test certificates that browsers "
            "do not trust, generous rate limits)."
        ),
        (
            "Avec un annuaire vide : l'AC de test (staging) de Let's Encrypt (des certificats "
            "de test auxquels les navigateurs ne font pas confiance, des limites généreuses)."
        ),
    ),
    (
        "E-mail for the CA's notices; empty = postmaster@<mail.domain>.",
        "Adresse e-mail pour les avis de l'AC ; vide = postmaster@<mail.domain>.",
    ),
    (
        "More names for the certificate; each must point at the office.",
        "Noms supplémentaires pour le certificat ; chacun doit pointer vers le bureau.",
    ),
    (
        (
            "Add autoconfig., autodiscover. and mta-sts. of each mail domain whose DNS points "
            "at the office."
        ),
        (
            "Ajouter autoconfig., autodiscover. et mta-sts. de chaque domaine de messagerie "
            "dont le DNS pointe vers le bureau."
        ),
    ),
    (
        (
            "auto = HTTP-01 on port 80, then TLS-ALPN-01 on 443 when 80 fails; or only http-01,"
            " or only tls-alpn-01."
        ),
        (
            "auto = HTTP-01 sur le port 80, puis TLS-ALPN-01 sur le 443 quand le 80 échoue ; ou"
            " seulement http-01, ou seulement tls-alpn-01."
        ),
    ),
    (
        ("PEM file trusted for the directory's HTTPS (a private ACME CA); empty = the system's."),
        (
            "Fichier PEM de confiance pour le HTTPS de l'annuaire (une AC ACME privée) ; vide ="
            " celui du système."
        ),
    ),
    (
        "Renew when the certificate has fewer days left than this.",
        "Renouveler quand il reste au certificat moins de jours que ceci.",
    ),
    (
        "Seconds between checks whether the certificate needs renewing.",
        "Secondes entre deux vérifications du besoin de renouveler le certificat.",
    ),
    (
        "Seconds before retrying after a failed attempt; doubled at each failure.",
        "Secondes avant de réessayer après un échec ; doublées à chaque échec.",
    ),
    (
        "Longest wait between failed attempts (the CA's rate limits stay far away).",
        "Attente maximale entre deux essais ratés (les limites de l'AC restent loin).",
    ),
    (
        "Seconds the CA gets to validate the names and issue one certificate.",
        "Secondes accordées à l'AC pour valider les noms et délivrer un certificat.",
    ),
    (
        (
            "Outgoing mail: DKIM signatures and the published mail-authentication records. Keys"
            " live in data_dir/dkim/<domain>/<selector>.key (RSA 2048, mode 0600), made by "
            "`pmemail init`, at server start when missing, and by `pmemail dkim rotate`."
        ),
        (
            "Courrier sortant : signatures DKIM et enregistrements d'authentification publiés. "
            "Les clés sont dans data_dir/dkim/<domain>/<selector>.key (RSA 2048, mode 0600), "
            "créées par `pmemail init`, au démarrage du serveur quand elles manquent, et par "
            "`pmemail dkim rotate`."
        ),
    ),
    (
        "Sign every message leaving through the queue with DKIM.",
        "Signer avec DKIM chaque message qui part par la file.",
    ),
    (
        "DKIM selector; empty = the newest key of each domain (`pmemail dkim rotate`).",
        (
            "Sélecteur DKIM ; vide = la clé la plus récente de chaque domaine (`pmemail dkim "
            "rotate`)."
        ),
    ),
    (
        (
            "DMARC policy shown by `pmemail dns records`: start with none, tighten once the "
            "reports show only your own mail."
        ),
        (
            "Politique DMARC affichée par `pmemail dns records` : commencez par none, resserrez"
            " quand les rapports ne montrent plus que votre propre courrier."
        ),
    ),
    (
        "MTA-STS policy mode served at https://mta-sts.<domain>/.well-known/mta-sts.txt.",
        ("Mode de la politique MTA-STS servie à https://mta-sts.<domain>/.well-known/mta-sts.txt."),
    ),
    (
        (
            "Checks of mail arriving from the internet on port 25 (never of submission). Every "
            "check fails open: a DNS timeout or a spam engine that does not answer lets the "
            "mail through (logged once), it never refuses it."
        ),
        (
            "Vérifications du courrier arrivant d'Internet sur le port 25 (jamais de l'envoi "
            "authentifié). Chaque vérification laisse passer en cas de panne : un délai DNS "
            "dépassé ou un moteur antispam muet laisse passer le courrier (noté une fois), sans"
            " jamais le refuser."
        ),
    ),
    (
        (
            "Check SPF, DKIM and DMARC; refuse mail forging the office's own domains and mail "
            "whose domain's DMARC policy says reject."
        ),
        (
            "Vérifier SPF, DKIM et DMARC ; refuser le courrier qui usurpe les domaines du "
            "bureau et celui dont la politique DMARC du domaine dit reject."
        ),
    ),
    (
        (
            "DNS blocklists asked about each connecting address (empty = none). Spamhaus ZEN is"
            " free for small, non-commercial use and refuses queries from public resolvers "
            "(8.8.8.8, 1.1.1.1): use your own or your ISP's resolver."
        ),
        (
            "Listes de blocage DNS interrogées pour chaque adresse qui se connecte (vide = "
            "aucune). Spamhaus ZEN est gratuit pour un petit usage non commercial et refuse les"
            " requêtes venant de résolveurs publics (8.8.8.8, 1.1.1.1) : utilisez votre propre "
            "résolveur ou celui de votre fournisseur."
        ),
    ),
    (
        "Seconds for one blocklist lookup (a slow list lets the client in).",
        (
            "Secondes pour une interrogation de liste de blocage (une liste lente laisse entrer"
            " le client)."
        ),
    ),
    (
        ("The rspamd spam engine (its /checkv2 protocol); empty = no engine (basic checks only)."),
        (
            "Le moteur antispam rspamd (son protocole /checkv2) ; vide = pas de moteur "
            "(vérifications de base seulement)."
        ),
    ),
    (
        "Seconds rspamd gets to score one message (then it is delivered unscored).",
        ("Secondes accordées à rspamd pour noter un message (il est ensuite livré sans note)."),
    ),
    (
        "Refuse mail scoring this much or more.",
        "Refuser le courrier dont la note atteint ou dépasse ceci.",
    ),
    (
        "Deliver mail scoring this much or more to the recipient's Junk folder.",
        (
            "Livrer dans le dossier Indésirables du destinataire le courrier dont la note "
            "atteint ou dépasse ceci."
        ),
    ),
    (
        (
            "Larger messages skip DKIM verification and spam scoring (they are held in memory "
            "by both)."
        ),
        (
            "Les messages plus grands sautent la vérification DKIM et la notation antispam (les"
            " deux les gardent en mémoire)."
        ),
    ),
    (
        (
            "Attachment file types refused (also inside zip files and behind a second "
            "extension, e.g. invoice.pdf.exe); empty = no attachment check."
        ),
        (
            "Types de pièces jointes refusés (aussi dans les fichiers zip et derrière une "
            "seconde extension, par ex. facture.pdf.exe) ; vide = pas de vérification des "
            "pièces jointes."
        ),
    ),
    (
        (
            "Defer a first attempt from an unknown server with 451 (real servers retry; much "
            "spamware does not). Delays first mail from new senders by greylist_delay."
        ),
        (
            "Différer avec 451 un premier essai d'un serveur inconnu (les vrais serveurs "
            "réessaient ; beaucoup de logiciels de spam non). Retarde le premier courrier des "
            "nouveaux expéditeurs de greylist_delay."
        ),
    ),
    (
        "Seconds a greylisted sender must wait before its retry is accepted.",
        (
            "Secondes qu'un expéditeur mis en liste grise doit attendre avant que son nouvel "
            "essai soit accepté."
        ),
    ),
    (
        "Seconds a server that retried stays known (never greylisted again).",
        (
            "Secondes pendant lesquelles un serveur qui a réessayé reste connu (plus jamais mis"
            " en liste grise)."
        ),
    ),
    (
        "Never greylisted: sender addresses, sender domains or client networks (CIDR).",
        (
            "Jamais mis en liste grise : adresses d'expéditeurs, domaines d'expéditeurs ou "
            "réseaux de clients (CIDR)."
        ),
    ),
    (
        "The live dashboard of the terminal app.",
        "Le tableau de bord en direct de l'application en terminal.",
    ),
    (
        "Seconds between refreshes of local facts (server, queue, log).",
        ("Secondes entre deux actualisations des informations locales (serveur, file, journal)."),
    ),
    (
        "Seconds between refreshes of the router table and outside reachability.",
        (
            "Secondes entre deux actualisations de la table du routeur et de l'accès depuis "
            "l'extérieur."
        ),
    ),
    (
        "Recent log lines shown.",
        "Lignes récentes du journal affichées.",
    ),
    (
        "Seconds the dashboard waits for a started `pmemail serve` to answer.",
        (
            "Secondes pendant lesquelles le tableau de bord attend qu'un `pmemail serve` "
            "démarré réponde."
        ),
    ),
    (
        "Backups of config, users, mail (with IMAP state), queue, keys and certificates.",
        (
            "Sauvegardes de la configuration, des utilisateurs, du courrier (avec l'état IMAP),"
            " de la file, des clés et des certificats."
        ),
    ),
    (
        (
            "Where backups go: a local disk or a mounted NAS path; empty = a directory beside "
            "data_dir named after it with -backups appended."
        ),
        (
            "Où vont les sauvegardes : un disque local ou le chemin d'un NAS monté ; vide = un "
            "dossier à côté de data_dir, du même nom suivi de -backups."
        ),
    ),
    (
        "Seconds between the backups `pmemail serve` makes (86400 = daily); 0 = none.",
        (
            "Secondes entre les sauvegardes que fait `pmemail serve` (86400 = chaque jour) ; 0 "
            "= aucune."
        ),
    ),
    (
        "Backups kept; older ones are removed unless a kept incremental backup needs them.",
        (
            "Sauvegardes gardées ; les plus anciennes sont supprimées sauf si une sauvegarde "
            "incrémentale gardée en a besoin."
        ),
    ),
    (
        "A full backup every this many backups; the others store only new or changed files.",
        (
            "Une sauvegarde complète toutes les tant de sauvegardes ; les autres ne stockent "
            "que les fichiers nouveaux ou modifiés."
        ),
    ),
    (
        "gzip (fast), xz (smaller, several times slower) or none.",
        "gzip (rapide), xz (plus petit, plusieurs fois plus lent) ou none.",
    ),
    (
        (
            "age public keys (age1...) the backups are encrypted to (the `age` tool); empty = "
            "not encrypted. Keep the identity file away from this server."
        ),
        (
            "Clés publiques age (age1...) pour lesquelles les sauvegardes sont chiffrées "
            "(l'outil `age`) ; vide = pas de chiffrement. Gardez le fichier d'identité loin de "
            "ce serveur."
        ),
    ),
    (
        ("Dynamic DNS: `pmemail serve` updates the host name's A record when the address changes."),
        (
            "DNS dynamique : `pmemail serve` met à jour l'enregistrement A du nom d'hôte quand "
            "l'adresse change."
        ),
    ),
    (
        (
            'auto = only when the address is dynamic (isp.fixed_ip = "no" or a change was '
            "seen); yes = always; no = never."
        ),
        (
            'auto = seulement quand l\'adresse est dynamique (isp.fixed_ip = "no" ou un '
            "changement a été vu) ; yes = toujours ; no = jamais."
        ),
    ),
    (
        (
            "dyndns2 (DynDNS), noip, ovh, infomaniak, duckdns, or custom (any dyndns2 server, "
            "named in dyndns.server)."
        ),
        (
            "dyndns2 (DynDNS), noip, ovh, infomaniak, duckdns, ou custom (tout serveur dyndns2,"
            " nommé dans dyndns.server)."
        ),
    ),
    (
        ("Base URL of the update server, e.g. https://dyndns.example; empty = the provider's."),
        (
            "URL de base du serveur de mise à jour, par ex. https://dyndns.example ; vide = "
            "celle du fournisseur."
        ),
    ),
    (
        (
            "Name whose A record is updated; empty = mail.hostname. Duck DNS updates only its "
            "own names (office.duckdns.org): point mail.hostname at it with a CNAME."
        ),
        (
            "Nom dont l'enregistrement A est mis à jour ; vide = mail.hostname. Duck DNS ne met"
            " à jour que ses propres noms (office.duckdns.org) : faites pointer mail.hostname "
            "vers lui par un CNAME."
        ),
    ),
    (
        "Login at the provider (unused by Duck DNS).",
        "Identifiant chez le fournisseur (inutilisé par Duck DNS).",
    ),
    (
        "Password at the provider; for Duck DNS, the token.",
        "Mot de passe chez le fournisseur ; pour Duck DNS, le jeton.",
    ),
    (
        "Seconds between looks at the public address (an update is sent only on a change).",
        (
            "Secondes entre deux regards sur l'adresse publique (une mise à jour n'est envoyée "
            "que lors d'un changement)."
        ),
    ),
    (
        (
            "Seconds before retrying after a failed update, doubled at each failure up to an "
            "hour (a provider's 911 or dnserr waits at least 30 minutes)."
        ),
        (
            "Secondes avant de réessayer après une mise à jour ratée, doublées à chaque échec "
            "jusqu'à une heure (un 911 ou un dnserr du fournisseur attend au moins 30 minutes)."
        ),
    ),
    (
        "Seconds for one update request.",
        "Secondes pour une requête de mise à jour.",
    ),
    (
        "PEM CA bundle to verify the update server's certificate; empty = the system's.",
        (
            "Ensemble d'AC PEM pour vérifier le certificat du serveur de mise à jour ; vide = "
            "celui du système."
        ),
    ),
    (
        "POP3 server of the ISP.",
        "Serveur POP3 du fournisseur.",
    ),
    (
        "POP3 port (995 for SSL, 110 for STLS).",
        "Port POP3 (995 pour SSL, 110 pour STLS).",
    ),
    (
        "ssl, starttls or none.",
        "ssl, starttls ou none.",
    ),
    (
        "Login at the ISP.",
        "Identifiant chez le fournisseur.",
    ),
    (
        "Password at the ISP.",
        "Mot de passe chez le fournisseur.",
    ),
    (
        "Single-drop: every message to this local address.",
        "Distribution unique : chaque message vers cette adresse locale.",
    ),
    (
        "Route by Delivered-To/X-Original-To/To/Cc.",
        "Acheminer selon Delivered-To/X-Original-To/To/Cc.",
    ),
    (
        (
            "Multi-drop: where unroutable messages go; empty = hold them at the ISP for "
            "`pmemail collector assign` or `drop` (a warning at start)."
        ),
        (
            "Distribution multiple : où vont les messages impossibles à acheminer ; vide = les "
            "retenir chez le fournisseur pour `pmemail collector assign` ou `drop` (un "
            "avertissement au démarrage)."
        ),
    ),
    (
        (
            "Leave fetched messages at the ISP (each fetched once, by UIDL). false (the "
            "default) = delete each message at the ISP once delivered here."
        ),
        (
            "Laisser les messages relevés chez le fournisseur (chacun relevé une fois, par "
            "UIDL). false (par défaut) = supprimer chaque message chez le fournisseur une fois "
            "livré ici."
        ),
    ),
    (
        "With keep: delete at the ISP this many days after delivery here; 0 = never.",
        (
            "Avec keep : supprimer chez le fournisseur ce nombre de jours après la livraison "
            "ici ; 0 = jamais."
        ),
    ),
    (
        "PEM CA bundle to verify the POP server's certificate; empty = the system's.",
        ("Ensemble d'AC PEM pour vérifier le certificat du serveur POP ; vide = celui du système."),
    ),
    (
        "Who serves the mail ports: pmemail (its own services, the default) or postfix-dovecot "
        "(handed over with `pmemail export postfix-dovecot`: the dashboard and the doctor then "
        "watch Postfix and Dovecot on the same ports, and pmemail serve runs only the network "
        "side: router leases, dynamic DNS, backups, certificates).",
        "Qui sert les ports de messagerie : pmemail (ses propres services, par défaut) ou "
        "postfix-dovecot (après la passation avec `pmemail export postfix-dovecot` : le tableau "
        "de bord et le diagnostic surveillent alors Postfix et Dovecot sur les mêmes ports, et "
        "pmemail serve ne fait plus que le côté réseau : baux du routeur, DNS dynamique, "
        "sauvegardes, certificats).",
    ),
    (
        "Seconds the after_renew command may run before it is stopped (a failure then).",
        "Secondes pendant lesquelles la commande after_renew peut tourner avant d'être arrêtée "
        "(c'est alors un échec).",
    ),
    (
        "Command run after each new certificate, as a list (program and arguments, no shell), "
        'e.g. ["systemctl", "reload", "postfix", "dovecot"] after the hand-over to Postfix and '
        "Dovecot, which read the same files; empty = none (pmemail's own services take the new "
        "certificate by themselves).",
        "Commande lancée après chaque nouveau certificat, sous forme de liste (programme et "
        'arguments, sans shell), par ex. ["systemctl", "reload", "postfix", "dovecot"] après la '
        "passation à Postfix et Dovecot, qui lisent les mêmes fichiers ; vide = aucune (les "
        "services de pmemail prennent eux-mêmes le nouveau certificat).",
    ),
)
# the example of a collector mailbox: its lines with a comment
_EXAMPLE_LINES: Final[tuple[tuple[str, str], ...]] = (
    (
        "keep = false # the default: delete at the ISP once delivered here; true = leave it",
        "keep = false  # par défaut : supprimer chez le fournisseur une fois livré ici ; "
        "true = l'y laisser",
    ),
    (
        "keep_days = 0 # with keep: delete at the ISP N days after delivery; 0 = never",
        "keep_days = 0  # avec keep : supprimer chez le fournisseur N jours après la livraison "
        "; 0 = jamais",
    ),
)
FRENCH_DOCS: Final[dict[str, str]] = dict(_PAIRS + _EXAMPLE_LINES)
"""English doc (whitespace folded) -> its French."""


def french_doc(text: str) -> str:
    """``text`` (a key's English doc) in French; the English when there is none."""
    return FRENCH_DOCS.get(" ".join(text.split()), text)
