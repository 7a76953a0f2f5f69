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
    # the pages' words (base, login, compose, message, list, error pages)
    "page_mail": {"en": "Mail", "fr": "Courrier"},
    "brand": {"en": "{domain} mail", "fr": "Courrier {domain}"},
    "write": {"en": "Write", "fr": "Écrire"},
    "draft": {"en": "Draft", "fr": "Brouillon"},
    "log_out": {"en": "Log out", "fr": "Se déconnecter"},
    "log_in": {"en": "Log in", "fr": "Se connecter"},
    "error_title": {"en": "Error", "fr": "Erreur"},
    "back_to_inbox": {"en": "Back to the inbox", "fr": "Retour à la boîte de réception"},
    "email_address": {"en": "E-mail address", "fr": "Adresse e-mail"},
    "password": {"en": "Password", "fr": "Mot de passe"},
    "from": {"en": "From", "fr": "De"},
    "to": {"en": "To", "fr": "À"},
    "cc": {"en": "Cc", "fr": "Cc"},
    "bcc": {"en": "Bcc", "fr": "Cci"},
    "subject": {"en": "Subject", "fr": "Objet"},
    "date": {"en": "Date", "fr": "Date"},
    "to_placeholder": {"en": "name@example.com, ...", "fr": "nom@exemple.be, ..."},
    "message_body": {"en": "Message", "fr": "Message"},
    "original_attached": {
        "en": "The original message will be attached.",
        "fr": "Le message d'origine sera joint.",
    },
    "draft_attachments": {
        "en": "Attachments of this draft",
        "fr": "Pièces jointes de ce brouillon",
    },
    "part_n": {"en": "part {n}", "fr": "partie {n}"},
    "about_size": {"en": "about {size}", "fr": "environ {size}"},
    "attachments": {"en": "Attachments", "fr": "Pièces jointes"},
    "send": {"en": "Send", "fr": "Envoyer"},
    "save_draft": {"en": "Save draft", "fr": "Enregistrer le brouillon"},
    "edit_draft": {"en": "Edit draft", "fr": "Modifier le brouillon"},
    "reply": {"en": "Reply", "fr": "Répondre"},
    "reply_all": {"en": "Reply all", "fr": "Répondre à tous"},
    "forward": {"en": "Forward", "fr": "Transférer"},
    "delete": {"en": "Delete", "fr": "Supprimer"},
    "mark_read": {"en": "Mark read", "fr": "Marquer comme lu"},
    "mark_unread": {"en": "Mark unread", "fr": "Marquer comme non lu"},
    "move_to": {"en": "Move to", "fr": "Déplacer vers"},
    "move_to_choice": {"en": "Move to…", "fr": "Déplacer vers…"},
    "move": {"en": "Move", "fr": "Déplacer"},
    "images_blocked": {
        "en": "{n} remote image(s) blocked to protect your privacy.",
        "fr": "{n} image(s) distante(s) bloquée(s) pour protéger votre vie privée.",
    },
    "show_images": {"en": "Show images", "fr": "Afficher les images"},
    "truncated": {
        "en": "This message is very long; only its beginning is shown.",
        "fr": "Ce message est très long : seul son début est affiché.",
    },
    "download_it": {"en": "Download it", "fr": "Le télécharger"},
    "plain_text": {"en": "Plain text version", "fr": "Version texte brut"},
    "download_original": {
        "en": "Download original message",
        "fr": "Télécharger le message d'origine",
    },
    "new_folder": {"en": "New folder…", "fr": "Nouveau dossier…"},
    "folder_name": {"en": "Folder name", "fr": "Nom du dossier"},
    "new_folder_name": {"en": "New folder name", "fr": "Nom du nouveau dossier"},
    "add": {"en": "Add", "fr": "Ajouter"},
    "search": {"en": "Search", "fr": "Rechercher"},
    "search_placeholder": {
        "en": "Search sender or subject",
        "fr": "Rechercher un expéditeur ou un objet",
    },
    "select_message": {"en": "Select {subject}", "fr": "Sélectionner {subject}"},
    "unknown_sender": {"en": "(unknown)", "fr": "(inconnu)"},
    "attachment_badge": {"en": "attachment", "fr": "pièce jointe"},
    "no_match": {
        "en": "No message matches “{query}”.",
        "fr": "Aucun message ne correspond à « {query} ».",
    },
    "folder_empty": {"en": "This folder is empty.", "fr": "Ce dossier est vide."},
    "newer": {"en": "← Newer", "fr": "← Plus récents"},
    "older": {"en": "Older →", "fr": "Plus anciens →"},
    "page_of": {"en": "Page {page} of {pages}", "fr": "Page {page} sur {pages}"},
    "draft_saved": {"en": "Draft saved.", "fr": "Brouillon enregistré."},
    # why a message cannot be written or sent (ComposeError, SubmitError)
    "addresses_one_line": {
        "en": "addresses must be on one line",
        "fr": "les adresses doivent tenir sur une seule ligne",
    },
    "not_an_address": {"en": "not an address: {value}", "fr": "ce n'est pas une adresse : {value}"},
    "bad_header": {
        "en": "invalid header value: {detail}",
        "fr": "valeur d'en-tête non valable : {detail}",
    },
    "field_too_long": {"en": "the field {name} is too long", "fr": "le champ {name} est trop long"},
    "attachments_too_large": {
        "en": "the attachments are larger than this server accepts",
        "fr": "les pièces jointes dépassent ce que ce serveur accepte",
    },
    "message_too_large": {
        "en": "the message is larger than this server accepts",
        "fr": "le message dépasse ce que ce serveur accepte",
    },
    "draft_changed": {
        "en": "this draft was changed elsewhere; its attachments must be added again",
        "fr": "ce brouillon a été modifié ailleurs ; ses pièces jointes doivent être ajoutées "
        "à nouveau",
    },
    "forward_gone": {
        "en": "the message to forward no longer exists",
        "fr": "le message à transférer n'existe plus",
    },
    "draft_not_saved": {
        "en": "the draft could not be saved; try again later",
        "fr": "le brouillon n'a pas pu être enregistré ; réessayez plus tard",
    },
    "add_recipient": {
        "en": "add at least one recipient",
        "fr": "ajoutez au moins un destinataire",
    },
    "not_your_address": {
        "en": "{sender} is not one of your addresses",
        "fr": "{sender} n'est pas une de vos adresses",
    },
    "recipient_refused": {"en": "{reason}", "fr": "destinataire refusé : {reason}"},
    "outbound_unavailable": {
        "en": "outbound mail is not available on this server right now",
        "fr": "l'envoi vers l'extérieur n'est pas disponible sur ce serveur pour le moment",
    },
    "not_stored": {
        "en": "the message could not be stored; try again later",
        "fr": "le message n'a pas pu être enregistré ; réessayez plus tard",
    },
    "forwarded_body": {
        "en": "(the original message is attached)",
        "fr": "(le message d'origine est joint)",
    },
    # the standard folders as shown (their IMAP names stay English on disk)
    "folder.INBOX": {"en": "Inbox", "fr": "Boîte de réception"},
    "folder.Drafts": {"en": "Drafts", "fr": "Brouillons"},
    "folder.Sent": {"en": "Sent", "fr": "Envoyés"},
    "folder.Junk": {"en": "Junk", "fr": "Indésirables"},
    "folder.Trash": {"en": "Trash", "fr": "Corbeille"},
    "folder.Archive": {"en": "Archive", "fr": "Archives"},
    # error pages
    "http_400": {
        "en": "The request could not be understood; go back and try again.",
        "fr": "La demande n'a pas pu être comprise : revenez en arrière et réessayez.",
    },
    "http_403": {
        "en": "You are not allowed to do that.",
        "fr": "Vous n'avez pas le droit de faire cela.",
    },
    "http_404": {
        "en": "There is no page at this address.",
        "fr": "Il n'y a pas de page à cette adresse.",
    },
    "http_405": {
        "en": "This page cannot be used that way; go back and use the buttons on the page.",
        "fr": "Cette page ne s'utilise pas ainsi : revenez en arrière et utilisez les boutons "
        "de la page.",
    },
    "http_413": {
        "en": "What you sent is larger than this server accepts.",
        "fr": "Ce que vous avez envoyé dépasse ce que ce serveur accepte.",
    },
    "http_500": {
        "en": "Something went wrong on the server; the error was logged. Please try again.",
        "fr": "Un problème est survenu sur le serveur ; l'erreur a été notée. Veuillez réessayer.",
    },
    "other_site": {
        "en": "This form was sent from another site.",
        "fr": "Ce formulaire a été envoyé depuis un autre site.",
    },
    "session_expired_lost": {
        "en": "Your session has expired; please log in again. What you sent was not saved.",
        "fr": "Votre session a expiré ; veuillez vous reconnecter. Ce que vous avez envoyé "
        "n'a pas été enregistré.",
    },
    "csrf_missing": {
        "en": "The form is missing its security token; reload the page and try again.",
        "fr": "Il manque au formulaire son jeton de sécurité : rechargez la page et réessayez.",
    },
    "session_expired": {
        "en": "Your session has expired; please log in again.",
        "fr": "Votre session a expiré ; veuillez vous reconnecter.",
    },
    "login_form_expired": {
        "en": "The login form expired; please try again.",
        "fr": "Le formulaire de connexion a expiré ; veuillez réessayer.",
    },
    "login_needs_both": {
        "en": "Enter your address and password.",
        "fr": "Entrez votre adresse et votre mot de passe.",
    },
    "login_locked": {
        "en": "Too many wrong passwords: try again in {seconds} seconds.",
        "fr": "Trop de mots de passe erronés : réessayez dans {seconds} secondes.",
    },
    "login_wrong": {
        "en": "Wrong address or password.",
        "fr": "Adresse ou mot de passe incorrect.",
    },
    "draft_gone": {"en": "This draft no longer exists.", "fr": "Ce brouillon n'existe plus."},
    "message_gone": {
        "en": "This message no longer exists.",
        "fr": "Ce message n'existe plus.",
    },
    "no_attachment": {"en": "No such attachment.", "fr": "Cette pièce jointe n'existe pas."},
    "choose_folder": {
        "en": "Choose the folder to move to.",
        "fr": "Choisissez le dossier de destination.",
    },
    "unknown_action": {"en": "Unknown action {op}.", "fr": "Action inconnue : {op}."},
    "add_attachments_again": {
        "en": "{error} (new attachments must be added again)",
        "fr": "{error} (les nouvelles pièces jointes doivent être ajoutées à nouveau)",
    },
}


def say(language: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` (English for any other), formatted."""
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)


class WordedError(Exception):
    """A refusal shown to the user: a sentence id of :data:`TEXTS` and its values.

    ``str()`` is the English sentence (logs, tests); a page says :meth:`words`.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(say("en", key, **params))

    def words(self, language: str) -> str:
        """The sentence in ``language`` (English for any other)."""
        return say(language, self.key, **self.params)


def folder_label(language: str, folder: str) -> str:
    """The name a reader sees for ``folder``: a standard folder's in ``language``."""
    key = f"folder.{folder}"
    return say(language, key) if key in TEXTS else folder


def too_large(language: str, limit: int) -> str:
    """The refusal of attachments over ``limit`` (bytes, the message size limit), in
    message and file sizes (files grow by a third once base64-encoded)."""
    files = limit * 3 // 4 * 76 // 78  # the inverse of ``compose.encoded_size``
    return say(
        language,
        "upload_too_large",
        limit=format_size(limit, language),
        files=format_size(files, language),
    )
