"""The webmail's sentences in English and French, chosen by the ``language`` setting.

The pages are still written in English in their templates; a sentence added
since lives here in both languages (a test checks both have every key), so
the office reads it in the language it chose for pmemail.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")

TEXTS: dict[str, dict[str, str]] = {
    "upload_too_large": {
        "en": (
            "The attachments are too large: this server accepts messages up to {limit}, "
            "and attachments grow by about a third when sent, so about {files} of files "
            "in all. Send the rest in another message."
        ),
        "fr": (
            "Les pièces jointes sont trop volumineuses : ce serveur accepte des messages "
            "jusqu'à {limit}, et les pièces jointes grossissent d'environ un tiers à "
            "l'envoi, soit environ {files} de fichiers au total. Envoyez le reste dans un "
            "autre message."
        ),
    },
    "login_needs_https": {
        "en": (
            "Logging in needs a secure (HTTPS) connection: over plain HTTP your password "
            "would cross the internet unprotected, so this server does not accept it from "
            "outside the office."
        ),
        "fr": (
            "La connexion demande une liaison sécurisée (HTTPS) : en HTTP simple, votre mot "
            "de passe traverserait Internet sans protection, ce serveur ne l'accepte donc pas "
            "depuis l'extérieur du bureau."
        ),
    },
    "login_needs_https_admin": {
        "en": (
            "For the administrator: turn HTTPS on (ports.https.enabled = true in pmemail's "
            "configuration), forward port {port} of the router to this server, restart "
            "pmemail, then use https://{hostname}/."
        ),
        "fr": (
            "Pour l'administrateur : activez HTTPS (ports.https.enabled = true dans la "
            "configuration de pmemail), redirigez le port {port} du routeur vers ce serveur, "
            "redémarrez pmemail, puis utilisez https://{hostname}/."
        ),
    },
}


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English for any other), formatted."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)
