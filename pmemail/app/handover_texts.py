"""The hand-over's sentences and its switch-over README, in English and French."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "export.done": {
        "en": "Postfix + Dovecot configuration written to {dir}: {users} users, {uidlists} "
        "folders keep their IMAP UIDs ({messages} messages). Read {readme} before switching.",
        "fr": "Configuration Postfix + Dovecot écrite dans {dir} : {users} utilisateurs, "
        "{uidlists} dossiers gardent leurs UID IMAP ({messages} messages). Lisez {readme} "
        "avant de basculer.",
    },
    "export.old_hashes": {
        "en": "These users have a password hash of an earlier pmemail that Dovecot cannot "
        "read; they log in once with pmemail (which upgrades it) or get a new password "
        "before the switch: {users}",
        "fr": "Ces utilisateurs ont un hachage de mot de passe d'une ancienne version de "
        "pmemail que Dovecot ne lit pas ; qu'ils se connectent une fois à pmemail (qui le "
        "met à jour) ou reçoivent un nouveau mot de passe avant la bascule : {users}",
    },
    "error.running": {
        "en": "pmemail serve is running (pid {pid}): stop it first, so the IMAP UIDs written "
        "for Dovecot are final.",
        "fr": "pmemail serve tourne (pid {pid}) : arrêtez-le d'abord, pour que les UID IMAP "
        "écrits pour Dovecot soient définitifs.",
    },
    "error.not_empty": {
        "en": "{dir} is not empty: choose a new directory for the export.",
        "fr": "{dir} n'est pas vide : choisissez un nouveau dossier pour l'export.",
    },
    "readme": {
        "en": """\
Moving from pmemail to Postfix + Dovecot
=========================================

When: many users, shared folders, several servers, or an admin who wants the
standard tools. Nothing changes for the mail clients: same host name, ports,
passwords, certificate, and the same IMAP UIDs and POP3 UIDLs (no re-download).

Files here
- postfix/main.cf, postfix/master.cf: Postfix on pmemail's SMTP ports ({smtp_ports});
  virtual domains {domains}; local mail handed to Dovecot over LMTP; the relay host
  with SASL when pmemail used one (postfix/sasl_passwd, mode 0600).
- postfix/vmailbox, postfix/virtual: users and aliases.
- dovecot/dovecot.conf, dovecot/passwd.imap, passwd.pop3, passwd.smtp: IMAP on
  {imap_port}, POP3 on {pop3_port}, the same argon2id hashes, each user on the protocol
  chosen in pmemail; the Maildirs stay where they are ({maildirs}).
- opendkim/: DKIM signing with pmemail's current keys (milter on 127.0.0.1:8891).
- polkit/50-pmemail-reload.rules: lets pmemail reload Postfix and Dovecot (step 5).
- dovecot-uidlist files were written into each Maildir folder.

Switch-over
1. Stop pmemail for now: `systemctl stop pmemail` (or stop `pmemail serve`).
2. Install: `apt install postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd opendkim`.
3. Copy postfix/main.cf and postfix/master.cf to /etc/postfix/, dovecot/dovecot.conf to
   /etc/dovecot/dovecot.conf, opendkim/opendkim.conf to /etc/opendkim.conf.
   The maps, password files and keys are read from this directory: keep it.
4. `systemctl restart opendkim dovecot postfix`; send a test message; read it.
5. Copy polkit/50-pmemail-reload.rules to /etc/polkit-1/rules.d/: it lets pmemail's
   service account ({user}) reload Postfix and Dovecot, and nothing else.
6. Record the hand-over: `pmemail handover done`. It sets, in pmemail's config file,
   `server.mail_engine = "postfix-dovecot"` and
   `acme.after_renew = ["systemctl", "reload", "postfix", "dovecot"]`: Postfix and
   Dovecot read pmemail's certificate files, so they are reloaded after each renewal.
7. Start pmemail again and keep it running: `systemctl start pmemail` (the systemd unit).
   It now runs only the network side: the router's port leases (renewed only while it
   runs), the dynamic DNS, the scheduled backups, and the certificate (Let's Encrypt on
   port 80, with Thunderbird's autoconfig); it leaves the mail ports to Postfix and
   Dovecot. Keep using pmemail's wizard, dashboard, doctor and port forwarding: the ports
   are the same, so the router needs no change, and the dashboard and `pmemail doctor`
   report each mail port as served by Postfix or Dovecot.

Going back: `pmemail handover undo`, `systemctl stop postfix dovecot`, then
`systemctl restart pmemail`.
""",
        "fr": """\
Passer de pmemail à Postfix + Dovecot
=====================================

Quand : beaucoup d'utilisateurs, des dossiers partagés, plusieurs serveurs, ou un
administrateur qui veut les outils standard. Rien ne change pour les logiciels de
messagerie : même nom d'hôte, mêmes ports, mots de passe et certificat, mêmes UID IMAP
et UIDL POP3 (pas de nouveau téléchargement).

Fichiers
- postfix/main.cf, postfix/master.cf : Postfix sur les ports SMTP de pmemail
  ({smtp_ports}) ; domaines virtuels {domains} ; le courrier local remis à Dovecot par
  LMTP ; le relais avec SASL si pmemail en utilisait un (postfix/sasl_passwd, mode 0600).
- postfix/vmailbox, postfix/virtual : utilisateurs et alias.
- dovecot/dovecot.conf, dovecot/passwd.imap, passwd.pop3, passwd.smtp : IMAP sur
  {imap_port}, POP3 sur {pop3_port}, les mêmes hachages argon2id, chaque utilisateur
  sur le protocole choisi dans pmemail ; les Maildir restent en place ({maildirs}).
- opendkim/ : signature DKIM avec les clés actuelles de pmemail (milter sur
  127.0.0.1:8891).
- polkit/50-pmemail-reload.rules : permet à pmemail de recharger Postfix et Dovecot
  (étape 5).
- des fichiers dovecot-uidlist ont été écrits dans chaque dossier Maildir.

Bascule
1. Arrêtez pmemail pour l'instant : `systemctl stop pmemail` (ou arrêtez `pmemail serve`).
2. Installez : `apt install postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd opendkim`.
3. Copiez postfix/main.cf et postfix/master.cf dans /etc/postfix/, dovecot/dovecot.conf
   dans /etc/dovecot/dovecot.conf, opendkim/opendkim.conf dans /etc/opendkim.conf.
   Les tables, fichiers de mots de passe et clés sont lus dans ce dossier : gardez-le.
4. `systemctl restart opendkim dovecot postfix` ; envoyez un message de test ; lisez-le.
5. Copiez polkit/50-pmemail-reload.rules dans /etc/polkit-1/rules.d/ : il permet au
   compte de service de pmemail ({user}) de recharger Postfix et Dovecot, et rien d'autre.
6. Enregistrez la bascule : `pmemail handover done`. Cela met, dans le fichier de
   configuration de pmemail, `server.mail_engine = "postfix-dovecot"` et
   `acme.after_renew = ["systemctl", "reload", "postfix", "dovecot"]` : Postfix et
   Dovecot lisent les fichiers du certificat de pmemail, ils sont donc rechargés après
   chaque renouvellement.
7. Redémarrez pmemail et laissez-le tourner : `systemctl start pmemail` (l'unité systemd).
   Il ne fait plus que le côté réseau : les baux de ports du routeur (renouvelés
   seulement tant qu'il tourne), le DNS dynamique, les sauvegardes planifiées et le
   certificat (Let's Encrypt sur le port 80, avec l'autoconfiguration de Thunderbird) ;
   il laisse les ports de courrier à Postfix et Dovecot. Continuez d'utiliser
   l'assistant, le tableau de bord, le diagnostic et la redirection de ports de pmemail :
   les ports sont les mêmes, le routeur ne change pas, et le tableau de bord et
   `pmemail doctor` montrent chaque port de courrier servi par Postfix ou Dovecot.

Revenir en arrière : `pmemail handover undo`, `systemctl stop postfix dovecot`, puis
`systemctl restart pmemail`.
""",
    },
}
"""Every sentence, by id, in ``en`` and ``fr`` (a test checks both and their fields)."""
