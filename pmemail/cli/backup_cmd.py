"""``pmemail backup`` and ``pmemail restore``.

``backup`` takes a consistent snapshot while ``pmemail serve`` runs (full,
then incremental; see ``mailcore.backup``); ``restore`` rebuilds a data dir
from one. Exit codes: 0 done, 1 the backup or restore failed (nothing
partial kept or reported), 2 other errors (config).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pmemail.cli.context import CommandError, Context

ORDER = 44


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``backup`` and ``restore`` commands."""
    backup = sub.add_parser(
        "backup", help="back up config, users, mail, queue, keys and certificates now"
    )
    backup.add_argument(
        "--to", metavar="DIR", type=Path, help="backup directory (default: backup.dir)"
    )
    backup.add_argument(
        "--full", action="store_true", help="a full backup even when an incremental would do"
    )
    backup.add_argument("--json", action="store_true", help="as a JSON document")
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser(
        "restore", help="rebuild the data dir (and a missing config file) from a backup"
    )
    restore.add_argument(
        "source", metavar="FROM", type=Path, help="a backup, or a backup directory (its newest)"
    )
    restore.add_argument(
        "--identity", metavar="FILE", type=Path, help="age identity of encrypted backups"
    )
    restore.add_argument(
        "--force", action="store_true", help="replace a data dir that is not empty (moved aside)"
    )
    restore.add_argument("--json", action="store_true", help="as a JSON document")
    restore.set_defaults(handler=cmd_restore)


def _failed(ctx: Context, args: argparse.Namespace, msgid: str, text: str) -> CommandError:
    if args.json:
        ctx.print(json.dumps({"ok": False, "error": msgid, "message": text}))
    return CommandError(text, exit_code=1)


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    """Make one backup and apply the retention."""
    from mailcore.backup.errors import BackupError
    from pmemail.app.backup_actions import backup_json, error_text, run_backup, say
    from pmemail.app.formatting import size

    language = ctx.config.language
    try:
        outcome = run_backup(ctx.config, ctx.config_path, ctx.paths, args.to, full=args.full)
    except BackupError as err:
        raise _failed(ctx, args, err.msgid, error_text(err, language)) from None
    if args.json:
        ctx.print(json.dumps(backup_json(outcome), indent=2))
        return 0
    m = outcome.manifest
    ctx.print(
        say(
            "backup.done",
            language,
            name=m.name,
            kind=say(f"kind.{m.kind}", language),
            dest=outcome.path.parent,
            files=len(m.entries),
            stored=outcome.stored_files,
            size=size(m.archive_size, language),
        )
    )
    if outcome.removed:
        names = ", ".join(outcome.removed)
        ctx.print(say("backup.removed", language, keep=ctx.config.backup.keep, names=names))
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    """Restore a backup onto the configured data dir."""
    from mailcore.backup.errors import BackupError
    from pmemail.app.backup_actions import error_text, restore_json, run_restore, say

    try:
        outcome = run_restore(ctx.config_path, args.source, args.identity, force=args.force)
    except BackupError as err:
        language = ctx.config.language if ctx.config_path.exists() else "en"
        raise _failed(ctx, args, err.msgid, error_text(err, language)) from None
    if args.json:
        ctx.print(json.dumps(restore_json(outcome), indent=2))
        return 0
    language = ctx.config.language
    ctx.print(
        say(
            "restore.done",
            language,
            files=outcome.files,
            backup=outcome.backup,
            data_dir=outcome.data_dir,
        )
    )
    if outcome.config_written:
        ctx.print(say("restore.config", language, path=outcome.config_written))
    if outcome.moved_aside:
        ctx.print(say("restore.aside", language, path=outcome.moved_aside))
    return 0
