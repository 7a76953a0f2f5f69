"""The ``--help`` texts and argparse's own words in French, by their English text.

The command modules write their help in English where they declare their
arguments (``register(sub)``); this catalogue gives each English text its
French, as a gettext ``.po`` file would: keyed by the English as written, so
the English help stays exactly what the modules say, and argparse's own words
(``usage:``, ``options``, its error lines) are translated the same way.
:mod:`pmemail.cli.localized_help` looks them up; a text missing here is shown
in English, and ``tests/test_cli_help_french.py`` names it.
"""

from __future__ import annotations

from typing import Final

HELP_FR: Final[dict[str, str]] = {
    # pmemail (main.py)
    "Host your office's mail behind an ordinary internet router. "
    "Without a command, opens the terminal app.": "Héberge le courrier de votre bureau derrière "
    "un routeur internet ordinaire. Sans commande, ouvre l'application dans le terminal.",
    "config file (default: $PMEMAIL_CONFIG, else ~/.config/pmemail/pmemail.toml)": "fichier de "
    "configuration (par défaut : $PMEMAIL_CONFIG, sinon ~/.config/pmemail/pmemail.toml)",
    "language of this run (default: the config's `language`, else LANG/LC_MESSAGES)": "langue "
    "de cette exécution (par défaut : le réglage `language` de la configuration, "
    "sinon LANG/LC_MESSAGES)",
    # wizard, dashboard (tui_cmd.py)
    "open the setup wizard (where it was left)": "ouvrir l'assistant d'installation "
    "(là où il en était)",
    "open the live dashboard": "ouvrir le tableau de bord en direct",
    # init, config (config_cmd.py)
    "write a commented config file and a TLS certificate": "écrire un fichier de configuration "
    "commenté et un certificat TLS",
    "the office's mail domain, e.g. example.be": "le domaine de messagerie du bureau, "
    "par ex. example.be",
    "public host name (default: mail.DOMAIN)": "nom d'hôte public (par défaut : mail.DOMAIN)",
    "where mail and state live": "où sont gardés le courrier et l'état",
    "services listen on high internal ports (2525, 1430, ...)": "les services écoutent sur des "
    "ports internes élevés (2525, 1430, ...)",
    "overwrite an existing file": "remplacer un fichier existant",
    "inspect the configuration": "consulter la configuration",
    "print the effective configuration": "afficher la configuration en vigueur",
    # shared by many commands
    "as a JSON document": "en document JSON",
    # doctor (doctor_cmd.py)
    "check what the internet subscription allows (router, ports, DNS)": "vérifier ce que "
    "l'abonnement internet permet (routeur, ports, DNS)",
    "Check the router, the public address, NAT, fixed or dynamic address, outbound port 25, "
    "inbound ports, DNS and the certificate each TLS port serves. "
    "Exit code: 0 ok, 1 warnings, 2 failures.": "Vérifie le routeur, l'adresse publique, le NAT, "
    "l'adresse fixe ou dynamique, le port 25 sortant, les ports entrants, le DNS et le "
    "certificat servi sur chaque port TLS. Code de sortie : 0 correct, 1 avertissements, "
    "2 échecs.",
    "one JSON document (version 1)": "un document JSON (version 1)",
    # users (users_cmd.py)
    "manage mail users, aliases and catch-alls": "gérer les utilisateurs, les alias et les "
    "adresses fourre-tout",
    "create a user (asks for the password)": "créer un utilisateur (demande le mot de passe)",
    "user@domain (a local domain), or a bare name: NAME@mail.domain": "nom@domaine (un domaine "
    "local), ou un nom seul : NOM@mail.domaine",
    "how the user reads mail (default imap)": "comment l'utilisateur relève son courrier "
    "(imap par défaut)",
    "display name": "nom affiché",
    "list users, aliases and catch-alls": "lister les utilisateurs, les alias et les adresses "
    "fourre-tout",
    "change a user's password": "changer le mot de passe d'un utilisateur",
    "delete a user (its Maildir is kept)": "supprimer un utilisateur (son Maildir est gardé)",
    "switch a user between imap and pop3": "faire passer un utilisateur d'imap à pop3, "
    "ou l'inverse",
    "manage aliases and catch-alls": "gérer les alias et les adresses fourre-tout",
    "deliver ALIAS to TARGET (a user or alias)": "distribuer le courrier d'ALIAS à TARGET "
    "(un utilisateur ou un alias)",
    "remove an alias (or one of its targets)": "supprimer un alias (ou l'une de ses cibles)",
    "list aliases": "lister les alias",
    "route unknown addresses of DOMAIN to TARGET": "diriger les adresses inconnues de DOMAIN "
    "vers TARGET",
    "omit together with --remove": "à omettre avec --remove",
    "remove the domain's catch-all": "supprimer l'adresse fourre-tout du domaine",
    "read the password from the first line of stdin (scripts)": "lire le mot de passe sur la "
    "première ligne de l'entrée standard (scripts)",
    # dns, dkim (dns_cmd.py)
    "the DNS records to publish for the mail domains": "les enregistrements DNS à publier pour "
    "les domaines de messagerie",
    "MX, A, SPF, DKIM, DMARC, MTA-STS, TLS-RPT": "MX, A, SPF, DKIM, DMARC, MTA-STS, TLS-RPT",
    "the office's public address": "l'adresse publique du bureau",
    "DKIM signing keys": "clés de signature DKIM",
    "a new key and selector (the old key is kept)": "une nouvelle clé et un nouveau sélecteur "
    "(l'ancienne clé est gardée)",
    "one mail domain (default: all)": "un seul domaine de messagerie (par défaut : tous)",
    # ports (ports_cmd.py)
    "forward the plan's ports on the router (never a DMZ)": "rediriger les ports du plan sur "
    "le routeur (jamais de DMZ)",
    "show the ports to forward": "afficher les ports à rediriger",
    "ask the router to forward every port of the plan": "demander au routeur de rediriger "
    "chaque port du plan",
    "show the router's forwarding table (ours marked)": "afficher la table de redirection du "
    "routeur (les nôtres sont marquées)",
    "delete pmemail's mappings (and only those)": "supprimer les redirections de pmemail "
    "(et seulement celles-là)",
    "print a JSON document": "afficher un document JSON",
    "the router's LAN address (default: default route)": "l'adresse LAN du routeur "
    "(par défaut : celle de la route par défaut)",
    "this machine's LAN address (default: found)": "l'adresse LAN de cette machine "
    "(par défaut : détectée)",
    "when the router refuses a port below 1024, forward the proposed high port instead "
    "(IMAP 1143, POP3 1110, webmail 8080; never SMTP 25) and remember it": "quand le routeur "
    "refuse un port sous 1024, rediriger plutôt le port élevé proposé (IMAP 1143, POP3 1110, "
    "webmail 8080 ; jamais SMTP 25) et s'en souvenir",
    # queue (queue_cmd.py)
    "inspect and manage the outbound mail queue": "consulter et gérer la file d'attente du "
    "courrier sortant",
    "show queued messages and their recipients": "afficher les messages en attente et leurs "
    "destinataires",
    "retry now (one message, or all)": "réessayer maintenant (un message, ou tous)",
    "queue id (default: every message)": "identifiant dans la file d'attente (par défaut : "
    "tous les messages)",
    "drop a message without notifying its sender": "supprimer un message sans prévenir son "
    "expéditeur",
    "queue id (see 'pmemail queue list')": "identifiant dans la file d'attente "
    "(voir 'pmemail queue list')",
    # serve, status, service (serve_cmd.py)
    "run the mail services in the foreground": "faire tourner les services de messagerie au "
    "premier plan",
    "state of the running server": "état du serveur en marche",
    "run pmemail serve at boot (systemd)": "lancer pmemail serve au démarrage (systemd)",
    "write a systemd unit (not enabled)": "écrire une unité systemd (non activée)",
    "a systemctl --user unit in ~/.config/systemd/user": "une unité systemctl --user dans "
    "~/.config/systemd/user",
    "print the unit instead of writing it": "afficher l'unité au lieu de l'écrire",
    "overwrite an existing unit": "remplacer une unité existante",
    "install the unit if missing, enable it and start it (stops a server started by the "
    "wizard first); without systemd, say what to do": "installer l'unité si elle manque, "
    "l'activer et la démarrer (arrête d'abord un serveur lancé par l'assistant) ; "
    "sans systemd, dire quoi faire",
    "a systemctl --user unit (default when not root)": "une unité systemctl --user (par défaut "
    "hors de root)",
    # collector (collector_cmd.py)
    "messages the ISP collector holds at the ISP (no local recipient)": "les messages que la "
    "relève retient chez le fournisseur d'accès (sans destinataire local)",
    "list the messages held at the ISP": "lister les messages retenus chez le fournisseur d'accès",
    "deliver a held message to a local user": "distribuer un message retenu à un utilisateur local",
    "delete a held message at the ISP, unread": "supprimer un message retenu chez le "
    "fournisseur d'accès, sans le lire",
    "the message's UIDL (see 'pmemail collector held')": "l'UIDL du message "
    "(voir 'pmemail collector held')",
    "local address or alias it goes to": "l'adresse locale ou l'alias qui le reçoit",
    "the ISP mailbox, when the UIDL is held in several": "la boîte chez le fournisseur d'accès, "
    "quand l'UIDL est retenu dans plusieurs",
    # backup, restore (backup_cmd.py)
    "back up config, users, mail, queue, keys and certificates now": "sauvegarder maintenant "
    "configuration, utilisateurs, courrier, file d'attente, clés et certificats",
    "backup directory (default: backup.dir)": "dossier des sauvegardes (par défaut : backup.dir)",
    "a full backup even when an incremental would do": "une sauvegarde complète même quand une "
    "incrémentale suffirait",
    "rebuild the data dir (and a missing config file) from a backup": "reconstruire le dossier "
    "de données (et un fichier de configuration manquant) à partir d'une sauvegarde",
    "a backup, or a backup directory (its newest)": "une sauvegarde, ou un dossier de "
    "sauvegardes (la plus récente)",
    "age identity of encrypted backups": "identité age des sauvegardes chiffrées",
    "replace a data dir that is not empty (moved aside)": "remplacer un dossier de données non "
    "vide (mis de côté)",
    # cert (cert_cmd.py)
    "the TLS certificate: which one is served, renew it": "le certificat TLS : lequel est servi, "
    "le renouveler",
    "the certificate served on every TLS port": "le certificat servi sur chaque port TLS",
    "ask the running server for a renewal now (ACME)": "demander maintenant un renouvellement "
    "au serveur en marche (ACME)",
    # dyndns (dyndns_cmd.py)
    "dynamic DNS: keep the host name on a changing address": "DNS dynamique : garder le nom "
    "d'hôte sur une adresse qui change",
    "send the public address to the provider now, even if unchanged": "envoyer maintenant "
    "l'adresse publique au fournisseur, même inchangée",
    # export (export_cmd.py)
    "hand the office over to other mail servers": "confier le courrier du bureau à d'autres "
    "serveurs de messagerie",
    "write a Postfix + Dovecot configuration over the same Maildirs and passwords": "écrire une "
    "configuration Postfix + Dovecot sur les mêmes Maildirs et mots de passe",
    "a new (or empty) directory": "un dossier nouveau (ou vide)",
    "record that Postfix and Dovecot serve the mail (or not any more)": "noter que Postfix et "
    "Dovecot servent le courrier (ou ne le servent plus)",
    "Postfix and Dovecot serve the mail; pmemail the network": "Postfix et Dovecot servent le "
    "courrier ; pmemail s'occupe du réseau",
    "pmemail serves the mail again": "pmemail sert de nouveau le courrier",
    # main()'s own line on Ctrl-C
    "interrupted": "interrompu",
}
"""French of every help text, description and epilog the command modules declare."""

ARGPARSE_FR: Final[dict[str, str]] = {
    "usage: ": "utilisation : ",
    # group titles: argparse adds the colon, French puts a space before it
    "positional arguments": "arguments positionnels ",
    "options": "options ",
    "subcommands": "sous-commandes ",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version du programme et quitter",
}
"""French of argparse's own help words (the msgids it passes to ``gettext``)."""

ARGPARSE_ERRORS_FR: Final[dict[str, str]] = {
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix non valable : %(value)r "
    "(au choix : %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur %(type)s non valable : %(value)r",
    "expected one argument": "un argument attendu",
    "expected at most one argument": "un argument au plus attendu",
    "expected at least one argument": "un argument au moins attendu",
    "expected %s argument": "%s argument attendu",
    "expected %s arguments": "%s arguments attendus",
    "not allowed with argument %s": "interdit avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ignored explicit argument %r": "argument explicite ignoré : %r",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s "
    "peut désigner %(matches)s",
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "commande inconnue "
    "%(parser_name)r (au choix : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir '%(filename)s' : %(error)s",
}
"""French of argparse's error lines, with argparse's own ``%`` placeholders.

argparse formats its errors before :meth:`ArgumentParser.error` sees them, so
:func:`pmemail.cli.localized_help.french_error` matches the English line
against these msgids and refills the French with the same values.
"""
