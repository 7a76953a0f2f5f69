"""The certificate sentences in English and French: one catalogue, no logic.

``pmemail.app.cert_wording`` renders them (the CLI, the wizard, the
dashboard, the client settings sheet and the doctor). A key ``failure.<id>``
words each id of ``mailcore.acme.failures``; its placeholders are exactly
the parameters that id carries (:data:`FAILURE_PARAMS`, a test checks it).
"""

from __future__ import annotations

from typing import Final

from mailcore.acme import failures as f

FAILURE_PARAMS: Final[dict[str, tuple[str, ...]]] = {
    f.ACME_OFF: (),
    f.USER_CERTIFICATE: (),
    f.NO_PUBLIC_NAME: ("name",),
    f.NAME_ELSEWHERE: ("name", "address", "public"),
    f.PORT80_UNREACHABLE: ("name", "detail"),
    f.PORT443_UNREACHABLE: ("name", "detail"),
    f.CHALLENGE_FAILED: ("name", "detail"),
    f.CA_UNREACHABLE: ("url", "detail"),
    f.CA_ERROR: ("detail",),
    f.RATE_LIMITED: ("retry_at",),
    f.TIMED_OUT: ("seconds",),
}
"""The parameters each failure id carries (``mailcore/acme/failures.py``)."""

TEXTS: Final[dict[str, dict[str, str]]] = {
    # ---------------------------------------------------------- why no ACME certificate
    "failure.acme_off": {
        "en": "Automatic certificates are turned off (acme.enabled = false): the self-signed "
        "certificate is served. Turn acme.enabled on to get a trusted one from Let's Encrypt.",
        "fr": "Les certificats automatiques sont désactivés (acme.enabled = false) : le "
        "certificat auto-signé est servi. Activez acme.enabled pour en obtenir un reconnu "
        "auprès de Let's Encrypt.",
    },
    "failure.user_certificate": {
        "en": "Your own certificate (mail.tls_cert) is served as is: pmemail never replaces "
        "it, so renew it yourself before it expires.",
        "fr": "Votre propre certificat (mail.tls_cert) est servi tel quel : pmemail ne le "
        "remplace jamais, renouvelez-le donc vous-même avant son expiration.",
    },
    "failure.no_public_name": {
        "en": "The name {name} is not published in the DNS yet: publish its A record "
        "(the Domain step shows it) pointing at the office's public address, then ask again.",
        "fr": "Le nom {name} n'est pas encore publié dans le DNS : publiez son "
        "enregistrement A (l'étape Domaine le montre) vers l'adresse publique du bureau, "
        "puis redemandez.",
    },
    "failure.name_elsewhere": {
        "en": "The name {name} points at {address}, not at the office's public address "
        "{public}: correct its A record at your DNS provider, then ask again.",
        "fr": "Le nom {name} pointe vers {address} et non vers l'adresse publique du "
        "bureau {public} : corrigez son enregistrement A chez votre hébergeur DNS, puis "
        "redemandez.",
    },
    "failure.port80_unreachable": {
        "en": "Let's Encrypt could not reach port 80 of the office from the internet for "
        "{name}: forward port 80 to this computer (pmemail ports apply) or ask the ISP "
        "whether it filters incoming port 80. ({detail})",
        "fr": "Let's Encrypt n'a pas pu joindre le port 80 du bureau depuis Internet pour "
        "{name} : redirigez le port 80 vers cet ordinateur (pmemail ports apply) ou "
        "demandez au fournisseur d'accès s'il filtre le port 80 entrant. ({detail})",
    },
    "failure.port443_unreachable": {
        "en": "Let's Encrypt could not reach port 443 of the office from the internet for "
        "{name}: forward port 443 to this computer (pmemail ports apply) or ask the ISP "
        "whether it filters incoming port 443. ({detail})",
        "fr": "Let's Encrypt n'a pas pu joindre le port 443 du bureau depuis Internet pour "
        "{name} : redirigez le port 443 vers cet ordinateur (pmemail ports apply) ou "
        "demandez au fournisseur d'accès s'il filtre le port 443 entrant. ({detail})",
    },
    "failure.challenge_failed": {
        "en": "Let's Encrypt reached the office for {name} but did not accept the answer "
        "(another machine may answer on port 80 or 443): check that the router forwards "
        "them to this computer, then ask again. ({detail})",
        "fr": "Let's Encrypt a joint le bureau pour {name} mais n'a pas accepté la réponse "
        "(une autre machine répond peut-être sur le port 80 ou 443) : vérifiez que le "
        "routeur les redirige vers cet ordinateur, puis redemandez. ({detail})",
    },
    "failure.ca_unreachable": {
        "en": "The certificate authority at {url} could not be reached: check this "
        "computer's internet connection; pmemail tries again by itself. ({detail})",
        "fr": "L'autorité de certification {url} n'a pas pu être jointe : vérifiez la "
        "connexion Internet de cet ordinateur ; pmemail réessaiera de lui-même. ({detail})",
    },
    "failure.ca_error": {
        "en": "The certificate authority refused the request: pmemail tries again later by "
        "itself; if this lasts, check acme.directory and acme.contact. ({detail})",
        "fr": "L'autorité de certification a refusé la demande : pmemail réessaiera plus "
        "tard de lui-même ; si cela dure, vérifiez acme.directory et acme.contact. ({detail})",
    },
    "failure.rate_limited": {
        "en": "The certificate authority asks to wait (too many requests): pmemail tries "
        "again by itself after {retry_at}; nothing to do.",
        "fr": "L'autorité de certification demande d'attendre (trop de demandes) : pmemail "
        "réessaiera de lui-même après le {retry_at} ; rien à faire.",
    },
    "failure.timed_out": {
        "en": "The certificate authority did not finish within {seconds} seconds: pmemail "
        "tries again later by itself; if this lasts, raise acme.timeout.",
        "fr": "L'autorité de certification n'a pas terminé en {seconds} secondes : pmemail "
        "réessaiera plus tard de lui-même ; si cela dure, augmentez acme.timeout.",
    },
    "failure.unknown": {
        "en": "The last attempt failed ({code}): pmemail tries again later by itself.",
        "fr": "La dernière tentative a échoué ({code}) : pmemail réessaiera plus tard de lui-même.",
    },
    # ---------------------------------------------------------- the certificate's lines
    "lines.acme": {
        "en": "Trusted certificate from {issuer}, obtained and renewed automatically.",
        "fr": "Certificat reconnu délivré par {issuer}, obtenu et renouvelé automatiquement.",
    },
    "lines.user": {
        "en": "Your own certificate (mail.tls_cert), issued by {issuer}.",
        "fr": "Votre propre certificat (mail.tls_cert), délivré par {issuer}.",
    },
    "lines.self_signed": {
        "en": "Self-signed certificate made by pmemail: phones, browsers and mail programs "
        "warn until a trusted one is obtained.",
        "fr": "Certificat auto-signé créé par pmemail : téléphones, navigateurs et "
        "logiciels de messagerie affichent un avertissement tant qu'un certificat reconnu "
        "n'est pas obtenu.",
    },
    "lines.names": {"en": "Names: {names}", "fr": "Noms : {names}"},
    "lines.expires": {"en": "Valid until {date}", "fr": "Valable jusqu'au {date}"},
    "lines.expired": {"en": "Expired on {date}", "fr": "Expiré depuis le {date}"},
    "lines.next": {
        "en": "Next renewal attempt: {date}",
        "fr": "Prochaine tentative de renouvellement : {date}",
    },
    "lines.fingerprint": {
        "en": "Staff will see a warning; the fingerprint to check (SHA-256) is {fingerprint}",
        "fr": "Le personnel verra un avertissement ; l'empreinte à vérifier (SHA-256) est "
        "{fingerprint}",
    },
    "lines.failure": {"en": "Last attempt: {text}", "fr": "Dernière tentative : {text}"},
    # ------------------------------------- acme.after_renew (mailcore.acme.after_renew)
    "after_renew.exited": {
        "en": "The command after the new certificate (acme.after_renew) failed with "
        "status {status}: {output}. Postfix and Dovecot may still serve the old certificate: "
        "run it by hand and fix it (as pmemail's service account).",
        "fr": "La commande après le nouveau certificat (acme.after_renew) a échoué avec le "
        "code {status} : {output}. Postfix et Dovecot servent peut-être encore l'ancien "
        "certificat : lancez-la à la main et corrigez-la (avec le compte de service de "
        "pmemail).",
    },
    "after_renew.timed_out": {
        "en": "The command after the new certificate (acme.after_renew) did not finish "
        "within {seconds} s and was stopped: run it by hand, or raise "
        "acme.after_renew_timeout.",
        "fr": "La commande après le nouveau certificat (acme.after_renew) n'a pas fini en "
        "{seconds} s et a été arrêtée : lancez-la à la main, ou augmentez "
        "acme.after_renew_timeout.",
    },
    "after_renew.not_started": {
        "en": "The command after the new certificate (acme.after_renew) could not start: "
        "{program}: {detail}. Check the program's name and path.",
        "fr": "La commande après le nouveau certificat (acme.after_renew) n'a pas pu "
        "démarrer : {program} : {detail}. Vérifiez le nom et le chemin du programme.",
    },
    "after_renew.unknown": {
        "en": "The command after the new certificate (acme.after_renew) failed ({code}).",
        "fr": "La commande après le nouveau certificat (acme.after_renew) a échoué ({code}).",
    },
    "settings.fingerprint": {
        "en": "  Certificate: self-signed; accept it only if its SHA-256 fingerprint is "
        "{fingerprint}",
        "fr": "  Certificat : auto-signé ; acceptez-le seulement si son empreinte SHA-256 "
        "est {fingerprint}",
    },
    "outcome.trusted": {
        "en": "A trusted certificate from {issuer} is in place.",
        "fr": "Un certificat reconnu délivré par {issuer} est en place.",
    },
    "hint.next_start": {
        "en": "(pmemail serve writes it at its next start)",
        "fr": "(pmemail serve le crée à son prochain démarrage)",
    },
    "error.no_status": {
        "en": "the server gave no certificate status",
        "fr": "le serveur n'a donné aucun état du certificat",
    },
    "server.not_running": {
        "en": "pmemail serve is not running: start it, then ask for the certificate again.",
        "fr": "pmemail serve ne tourne pas : démarrez-le, puis redemandez le certificat.",
    },
    "outcome.user": {
        "en": "Your own certificate is served; it is not trusted by phones and browsers.",
        "fr": "Votre propre certificat est servi ; téléphones et navigateurs ne le "
        "reconnaissent pas.",
    },
    "outcome.self_signed": {
        "en": "No trusted certificate yet: the self-signed one is served.",
        "fr": "Pas encore de certificat reconnu : le certificat auto-signé est servi.",
    },
    # ---------------------------------------------------------- the doctor's check
    "check.title": {"en": "Certificate on {port}", "fr": "Certificat sur {port}"},
    "check.ok": {
        "en": "valid for {hostname} until {date}, issued by {issuer}",
        "fr": "valable pour {hostname} jusqu'au {date}, délivré par {issuer}",
    },
    "check.closed": {
        "en": "nothing answers on port {port}: is pmemail serve running?",
        "fr": "rien ne répond sur le port {port} : pmemail serve tourne-t-il ?",
    },
    "check.no_tls": {
        "en": "no TLS on port {port}: {error}",
        "fr": "pas de TLS sur le port {port} : {error}",
    },
    "check.expired": {"en": "expired on {date}", "fr": "expiré depuis le {date}"},
    "check.not_yet": {"en": "not valid before {date}", "fr": "pas valable avant le {date}"},
    "check.wrong_name": {
        "en": "not valid for {hostname} (names: {names})",
        "fr": "pas valable pour {hostname} (noms : {names})",
    },
    "check.self_signed": {
        "en": "self-signed: staff must check the SHA-256 fingerprint {fingerprint}",
        "fr": "auto-signé : le personnel doit vérifier l'empreinte SHA-256 {fingerprint}",
    },
    "check.expires_soon": {
        "en": "expires on {date}, in {days} day(s)",
        "fr": "expire le {date}, dans {days} jour(s)",
    },
    "check.advice_served": {
        "en": "see pmemail cert status; pmemail cert renew asks for a new certificate",
        "fr": "voir pmemail cert status ; pmemail cert renew demande un nouveau certificat",
    },
    "check.advice_start": {
        "en": "start the server (pmemail serve), then run the doctor again",
        "fr": "démarrez le serveur (pmemail serve), puis relancez le diagnostic",
    },
}
"""key -> language -> text (``str.format`` placeholders)."""

MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
"""Month names (not the C library's locale: it may not have French installed)."""
