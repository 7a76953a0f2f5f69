"""Backup and restore sentences in English and French: one catalogue, no logic.

``mailcore.backup`` raises ``BackupError`` with an ``error.*`` id and its
parameters; ``pmemail.app.backup_actions`` words them (and its own results)
for the CLI, the dashboard and the doctor.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "backup.done": {
        "en": "Backup {name} ({kind}) complete in {dest}: {files} files, {stored} stored now, "
        "archive {size}.",
        "fr": "Sauvegarde {name} ({kind}) terminée dans {dest} : {files} fichiers, "
        "{stored} enregistrés cette fois, archive de {size}.",
    },
    "backup.removed": {
        "en": "Removed by the retention (keep {keep}): {names}.",
        "fr": "Supprimées par la rétention (garder {keep}) : {names}.",
    },
    "kind.full": {"en": "full", "fr": "complète"},
    "kind.incremental": {"en": "incremental", "fr": "incrémentale"},
    "restore.done": {
        "en": "Restored {files} files from {backup} into {data_dir}.",
        "fr": "{files} fichiers restaurés depuis {backup} dans {data_dir}.",
    },
    "restore.config": {
        "en": "The backed-up configuration was written to {path}.",
        "fr": "La configuration sauvegardée a été écrite dans {path}.",
    },
    "restore.aside": {
        "en": "The previous data dir was moved aside to {path} (delete it once all is well).",
        "fr": "L'ancien dossier de données a été mis de côté dans {path} (supprimez-le "
        "quand tout va bien).",
    },
    "error.disk_full": {
        "en": "Backup FAILED: the disk of {dest} is full. Nothing partial was kept; the "
        "previous backup ({previous}) is intact.",
        "fr": "Sauvegarde ÉCHOUÉE : le disque de {dest} est plein. Rien de partiel n'a été "
        "gardé ; la sauvegarde précédente ({previous}) est intacte.",
    },
    "error.write_failed": {
        "en": "Backup or restore FAILED writing to {dest}: {reason}. Nothing partial was kept.",
        "fr": "Sauvegarde ou restauration ÉCHOUÉE en écrivant dans {dest} : {reason}. Rien de "
        "partiel n'a été gardé.",
    },
    "error.busy": {
        "en": "Another backup into {dest} is running; try again when it ends.",
        "fr": "Une autre sauvegarde vers {dest} est en cours ; réessayez quand elle est finie.",
    },
    "error.no_age": {
        "en": "backup.age_recipients is set but the `age` tool is not installed (apt install age).",
        "fr": "backup.age_recipients est défini mais l'outil `age` n'est pas installé "
        "(apt install age).",
    },
    "error.age_failed": {
        "en": "age could not encrypt the backup (exit {code}): check backup.age_recipients.",
        "fr": "age n'a pas pu chiffrer la sauvegarde (code {code}) : vérifiez "
        "backup.age_recipients.",
    },
    "error.identity_needed": {
        "en": "{path} is encrypted: give the age identity file with --identity FILE.",
        "fr": "{path} est chiffré : donnez le fichier d'identité age avec --identity FICHIER.",
    },
    "error.unreadable": {
        "en": "Cannot read the backup {path}: {reason}",
        "fr": "Impossible de lire la sauvegarde {path} : {reason}",
    },
    "error.no_backup": {
        "en": "No complete backup in {path}.",
        "fr": "Aucune sauvegarde complète dans {path}.",
    },
    "error.missing": {
        "en": "The backup {backup} lacks {path}, which this restore needs: the chain is broken.",
        "fr": "La sauvegarde {backup} ne contient pas {path}, nécessaire à cette "
        "restauration : la chaîne est rompue.",
    },
    "error.corrupt": {
        "en": "{path} in the backup does not match its checksum: the backup is damaged.",
        "fr": "{path} dans la sauvegarde ne correspond pas à sa somme de contrôle : la "
        "sauvegarde est abîmée.",
    },
    "error.not_empty": {
        "en": "{path} is not empty: restoring would replace it. Add --force (it is then "
        "moved aside, not deleted).",
        "fr": "{path} n'est pas vide : la restauration le remplacerait. Ajoutez --force "
        "(il est alors mis de côté, pas supprimé).",
    },
    "error.server_running": {
        "en": "pmemail serve is running on {path} (pid {pid}): stop it before restoring.",
        "fr": "pmemail serve tourne sur {path} (pid {pid}) : arrêtez-le avant de restaurer.",
    },
    "check.title": {"en": "Backups", "fr": "Sauvegardes"},
    "check.ok": {
        "en": "last backup {ago} ago ({name}, {size}) in {dest}",
        "fr": "dernière sauvegarde il y a {ago} ({name}, {size}) dans {dest}",
    },
    "check.stale": {
        "en": "last successful backup {ago} ago, more than two periods ({period}): {name}",
        "fr": "dernière sauvegarde réussie il y a {ago}, plus de deux périodes ({period}) : {name}",
    },
    "check.never": {
        "en": "no backup has succeeded yet (one every {period})",
        "fr": "aucune sauvegarde n'a encore réussi (une toutes les {period})",
    },
    "check.last_failed": {
        "en": "the last attempt failed: {error}",
        "fr": "la dernière tentative a échoué : {error}",
    },
    "check.advice": {
        "en": "Run `pmemail backup` to see why, and check that {dest} is mounted, writable "
        "by the server's account and not full.",
        "fr": "Lancez `pmemail backup` pour voir pourquoi, et vérifiez que {dest} est monté, "
        "accessible en écriture au compte du serveur et pas plein.",
    },
}
"""Every sentence, by id, in ``en`` and ``fr`` (a test checks both and their fields)."""
