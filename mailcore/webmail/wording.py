"""The webmail's sentences in English and French, chosen by the ``language`` setting.

The pages are still written in English in their templates; a sentence added
since lives here in both languages (a test checks both have every key), so
the office reads it in the language it chose for pmemail.
"""

from __future__ import annotations

from mailcore.webmail.mailview import format_size

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
    "session_expired_kept": {
        "en": (
            "Your session expired. What you were writing was kept as a draft: log in "
            "again and it opens where you left it."
        ),
        "fr": (
            "Votre session a expiré. Ce que vous écriviez a été gardé comme brouillon : "
            "reconnectez-vous et il s'ouvrira là où vous l'avez laissé."
        ),
    },
    "draft_restored": {
        "en": "Here is what you were writing when your session expired; nothing was sent.",
        "fr": ("Voici ce que vous écriviez quand votre session a expiré ; rien n'a été envoyé."),
    },
    "autosaved": {
        "en": "Draft saved automatically.",
        "fr": "Brouillon enregistré automatiquement.",
    },
    "autosave_failed": {
        "en": "The draft could not be saved automatically; use Save draft.",
        "fr": "Le brouillon n'a pas pu être enregistré automatiquement ; utilisez Enregistrer.",
    },
    "session_lost": {
        "en": (
            "Your session has expired. Send or save the message: it will be kept as a draft "
            "and opened again after you log in."
        ),
        "fr": (
            "Votre session a expiré. Envoyez ou enregistrez le message : il sera gardé comme "
            "brouillon et rouvert après votre connexion."
        ),
    },
    "sent": {"en": "Message sent.", "fr": "Message envoyé."},
    "moved": {
        "en": "{n} message(s) moved to {folder}.",
        "fr": "{n} message(s) déplacé(s) vers {folder}.",
    },
    "deleted": {
        "en": "{n} message(s) moved to the Trash.",
        "fr": "{n} message(s) mis à la corbeille.",
    },
    "destroyed": {
        "en": "{n} message(s) deleted for good.",
        "fr": "{n} message(s) supprimé(s) définitivement.",
    },
    "restored": {
        "en": "{n} message(s) put back in {folder}.",
        "fr": "{n} message(s) remis dans {folder}.",
    },
    "marked_read": {
        "en": "{n} message(s) marked read.",
        "fr": "{n} message(s) marqué(s) comme lu(s).",
    },
    "marked_unread": {
        "en": "{n} message(s) marked unread.",
        "fr": "{n} message(s) marqué(s) comme non lu(s).",
    },
    "quote_head": {"en": "On {date}, {sender} wrote:", "fr": "Le {date}, {sender} a écrit :"},
    "folder_manage": {
        "en": "Rename or delete this folder…",
        "fr": "Renommer ou supprimer ce dossier…",
    },
    "folder_new_name": {"en": "New name", "fr": "Nouveau nom"},
    "folder_rename": {"en": "Rename", "fr": "Renommer"},
    "folder_delete_confirm": {
        "en": "Yes, delete this folder and its {n} message(s)",
        "fr": "Oui, supprimer ce dossier et ses {n} message(s)",
    },
    "folder_delete": {"en": "Delete the folder", "fr": "Supprimer le dossier"},
    "folder_confirm_needed": {
        "en": "Tick the box to confirm: the folder's messages are deleted with it.",
        "fr": "Cochez la case pour confirmer : les messages du dossier sont supprimés avec lui.",
    },
    "folder_renamed": {"en": "Folder renamed to {folder}.", "fr": "Dossier renommé en {folder}."},
    "folder_deleted": {"en": "Folder {folder} deleted.", "fr": "Dossier {folder} supprimé."},
    "folder_standard": {
        "en": "The {folder} folder is used by the webmail and mail programs; it cannot be "
        "renamed or deleted.",
        "fr": "Le dossier {folder} sert au webmail et aux logiciels de messagerie ; il ne peut "
        "être ni renommé ni supprimé.",
    },
    "folder_has_children": {
        "en": "The folder {folder} has folders inside it: delete or move those first.",
        "fr": "Le dossier {folder} contient d'autres dossiers : supprimez-les ou "
        "déplacez-les d'abord.",
    },
    "close_pane": {"en": "Close", "fr": "Fermer"},
    "undo": {"en": "Undo", "fr": "Annuler"},
    "select_all": {"en": "Select all", "fr": "Tout sélectionner"},
    "none_selected": {
        "en": "Select at least one message first.",
        "fr": "Sélectionnez d'abord au moins un message.",
    },
}


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English for any other), formatted."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)


def too_large(language: str, limit: int) -> str:
    """The refusal of attachments over ``limit`` (bytes, the message size limit), in
    message and file sizes (files grow by a third once base64-encoded)."""
    files = limit * 3 // 4 * 76 // 78  # the inverse of ``compose.encoded_size``
    return say(language, "upload_too_large", limit=format_size(limit), files=format_size(files))
