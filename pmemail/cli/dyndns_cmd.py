"""``pmemail dyndns update``: send the public address to the dynamic DNS provider now.

Exit codes: 0 the provider holds the address, 1 it did not take it (refused,
busy, no answer, address unknown), 2 other errors (config, updates off).
"""

from __future__ import annotations

import argparse
import json

from pmemail.cli.context import CommandError, Context

ORDER = 46


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dyndns`` command group."""
    dyndns = sub.add_parser("dyndns", help="dynamic DNS: keep the host name on a changing address")
    dsub = dyndns.add_subparsers(dest="dyndns_cmd", required=True, metavar="{update}")
    update = dsub.add_parser(
        "update", help="send the public address to the provider now, even if unchanged"
    )
    update.add_argument("--json", action="store_true", help="as a JSON document")
    update.set_defaults(handler=cmd_dyndns_update)


def cmd_dyndns_update(ctx: Context, args: argparse.Namespace) -> int:
    """One update now (the echo services give the address)."""
    from pmemail.app.dyndns_actions import DyndnsRefused, report_json, say, update_now

    config, language = ctx.config, ctx.config.language
    try:
        report = update_now(config, ctx.paths)
    except DyndnsRefused as err:
        text = say(err.code, language)
        if args.json:
            ctx.print(json.dumps({"ok": False, "error": err.code, "message": text}))
        raise CommandError(text, exit_code=2) from None
    if args.json:
        ctx.print(json.dumps(report_json(config, ctx.paths, report), indent=2, sort_keys=True))
    else:
        ctx.print(report.words(language))
    return 0 if report.ok else 1
