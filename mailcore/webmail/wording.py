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
}


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English for any other), formatted."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)
