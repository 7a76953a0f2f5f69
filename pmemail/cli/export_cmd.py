"""``pmemail export postfix-dovecot DIR``: the hand-over to the standard mail servers;
``pmemail handover done|undo``: record it in the config (``server.mail_engine``).

Exit codes: 0 written, 1 refused (the server runs, DIR not empty), 2 other errors.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pmemail.cli.context import CommandError, Context

ORDER = 46


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export`` command group."""
    export = sub.add_parser("export", help="hand the office over to other mail servers")
    esub = export.add_subparsers(dest="export_cmd", required=True, metavar="{postfix-dovecot}")
    pd = esub.add_parser(
        "postfix-dovecot",
        help="write a Postfix + Dovecot configuration over the same Maildirs and passwords",
    )
    pd.add_argument("dir", metavar="DIR", type=Path, help="a new (or empty) directory")
    pd.add_argument("--json", action="store_true", help="as a JSON document")
    pd.set_defaults(handler=cmd_postfix_dovecot)

    handover = sub.add_parser(
        "handover", help="record that Postfix and Dovecot serve the mail (or not any more)"
    )
    hsub = handover.add_subparsers(dest="handover_cmd", required=True, metavar="{done,undo}")
    for name, engine, text in (
        ("done", "postfix-dovecot", "Postfix and Dovecot serve the mail; pmemail the network"),
        ("undo", "pmemail", "pmemail serves the mail again"),
    ):
        cmd = hsub.add_parser(name, help=text)
        cmd.add_argument("--json", action="store_true", help="as a JSON document")
        cmd.set_defaults(handler=cmd_handover, engine=engine)


def cmd_postfix_dovecot(ctx: Context, args: argparse.Namespace) -> int:
    """Write the configuration and the dovecot-uidlist files."""
    from pmemail.app.handover_export import ExportError, export_postfix_dovecot, say

    language = ctx.config.language
    try:
        outcome = export_postfix_dovecot(ctx.config, ctx.paths, args.dir)
    except ExportError as err:
        text = say(err.msgid, language, **err.params)
        if args.json:
            ctx.print(json.dumps({"ok": False, "error": err.msgid, "message": text}))
        raise CommandError(text, exit_code=1) from None
    except OSError as err:
        raise CommandError(f"{args.dir}: {err.strerror or err}") from None
    if args.json:
        ctx.print(json.dumps(outcome.to_json(), indent=2))
        return 0
    ctx.print(
        say(
            "export.done",
            language,
            dir=outcome.out,
            users=outcome.users,
            uidlists=outcome.uidlists,
            messages=outcome.messages,
            readme=outcome.out / "README.txt",
        )
    )
    if outcome.old_hashes:
        ctx.print(say("export.old_hashes", language, users=", ".join(outcome.old_hashes)))
    return 0


def cmd_handover(ctx: Context, args: argparse.Namespace) -> int:
    """Write ``server.mail_engine`` (and ``acme.after_renew``) into the config file."""
    from pmemail.app.mail_engine import HANDED_OVER, record_engine, say

    language = ctx.config.language  # also refuses an invalid file before any write
    try:
        recorded = record_engine(ctx.config_path, args.engine)
    except OSError as err:
        raise CommandError(f"{ctx.config_path}: {err.strerror or err}") from None
    if args.json:
        ctx.print(json.dumps(recorded.to_json(), indent=2))
        return 0
    done = recorded.mail_engine == HANDED_OVER
    ctx.print(say("handover.done" if done else "handover.undo", language, config=ctx.config_path))
    if recorded.after_renew:
        command = json.dumps(recorded.after_renew)
        ctx.print(say("handover.after_renew", language, command=command))
    elif not done:
        ctx.print(say("handover.no_after_renew", language))
    return 0
