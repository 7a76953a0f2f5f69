"""The relay test's sentences in English and French: one catalogue, no logic.

:func:`pmemail.app.relay_wording.explain` turns the relay client's raw
outcome into one of these ids with its parameters.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "relay.ok": {
        "en": "✔ {host}:{port} accepted the connection.",
        "fr": "✔ {host}:{port} a accepté la connexion.",
    },
    "relay.ok_login": {
        "en": "✔ {host}:{port} accepted the connection and the login.",
        "fr": "✔ {host}:{port} a accepté la connexion et l'identifiant.",
    },
    "relay.clear_password": {
        "en": "⚠ Security is “none”: the password went over the internet in clear text, "
        "readable by anyone on the way. Choose STARTTLS or TLS (SSL) if the relay offers it, "
        "or change that password if it is also your ISP account's.",
        "fr": "⚠ Sécurité « none » : le mot de passe a traversé internet en clair, lisible par "
        "quiconque sur le chemin. Choisissez STARTTLS ou TLS (SSL) si le relais le permet, ou "
        "changez ce mot de passe s'il sert aussi à votre compte chez le fournisseur.",
    },
    "relay.no_starttls": {
        "en": "✘ {host}:{port} does not offer STARTTLS. Choose the security this port really "
        "uses: TLS (SSL) on port 465, or “none” for an ISP relay on port 25 that only takes "
        "mail from its own customers (then leave the user name and password empty).",
        "fr": "✘ {host}:{port} ne propose pas STARTTLS. Choisissez la sécurité que ce port "
        "utilise vraiment : TLS (SSL) sur le port 465, ou « none » pour un relais du "
        "fournisseur sur le port 25 réservé à ses clients (laissez alors l'identifiant et le "
        "mot de passe vides).",
    },
    "relay.no_auth": {
        "en": "✘ {host}:{port} does not take a login on this port: leave the user name and "
        "password empty (an ISP relay on port 25 recognises its customers by their address).",
        "fr": "✘ {host}:{port} n'accepte pas d'identifiant sur ce port : laissez l'identifiant "
        "et le mot de passe vides (un relais du fournisseur sur le port 25 reconnaît ses "
        "clients à leur adresse).",
    },
    "relay.auth_failed": {
        "en": "✘ {host}:{port} refused the user name or the password ({answer}).",
        "fr": "✘ {host}:{port} a refusé l'identifiant ou le mot de passe ({answer}).",
    },
    "relay.refused": {
        "en": "✘ {host}:{port} refused the connection: wrong port, or nothing listens there "
        "for you (some relays only answer their own customers' connections).",
        "fr": "✘ {host}:{port} a refusé la connexion : mauvais port, ou rien n'y écoute pour "
        "vous (certains relais ne répondent qu'aux connexions de leurs clients).",
    },
    "relay.timeout": {
        "en": "✘ {host}:{port} did not answer in time: the port may be blocked on the way, "
        "or the relay only answers inside its ISP's network.",
        "fr": "✘ {host}:{port} n'a pas répondu à temps : le port est peut-être bloqué en "
        "chemin, ou le relais ne répond que dans le réseau de son fournisseur.",
    },
    "relay.unknown_host": {
        "en": "✘ The name {host} was not found: check its spelling (and this computer's "
        "internet connection).",
        "fr": "✘ Le nom {host} est introuvable : vérifiez son orthographe (et la connexion "
        "internet de cet ordinateur).",
    },
    "relay.bad_certificate": {
        "en": "✘ {host}:{port}'s certificate is not valid for that name: check the relay's "
        "name with your ISP.",
        "fr": "✘ Le certificat de {host}:{port} n'est pas valable pour ce nom : vérifiez le nom "
        "du relais auprès de votre fournisseur.",
    },
    "relay.tls_mismatch": {
        "en": "✘ {host}:{port} does not speak TLS (SSL) from the start: choose STARTTLS "
        "(usual on port 587) or the port that uses TLS (465).",
        "fr": "✘ {host}:{port} ne parle pas TLS (SSL) dès le début : choisissez STARTTLS "
        "(habituel sur le port 587) ou le port qui utilise TLS (465).",
    },
    "relay.other": {
        "en": "✘ {host}:{port} could not be used: {reason}",
        "fr": "✘ {host}:{port} n'a pas pu être utilisé : {reason}",
    },
    "relay.confirm_failed": {
        "en": "The last relay test failed: outgoing mail may stay in the queue. Press Next "
        "again to go on anyway.",
        "fr": "Le dernier test du relais a échoué : le courrier sortant risque de rester dans "
        "la file d'attente. Appuyez encore sur Suivant pour continuer quand même.",
    },
    "relay.confirm_again": {
        "en": "Press Next again to go on anyway.",
        "fr": "Appuyez encore sur Suivant pour continuer quand même.",
    },
}
