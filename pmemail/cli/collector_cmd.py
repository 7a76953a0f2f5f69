"""``pmemail collector held|assign|drop``: messages the collector left at the ISP.

A held message had no local recipient (multi-drop without ``fallback``): it
stays at the ISP, downloaded only as headers, until the admin assigns it to a
user or drops it. Both record the decision and ask a running ``pmemail
serve`` to fetch now; the collector carries it out in that run (or at the
next start). Exit
codes: 0 done, 1 no such held message or no such user, 2 other errors.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from pmemail.cli.context import CommandError, Context

if TYPE_CHECKING:
    from mailcore.collector.held import HeldMessage

ORDER = 42


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``collector`` command group."""
    collector = sub.add_parser(
        "collector", help="messages the ISP collector holds at the ISP (no local recipient)"
    )
    csub = collector.add_subparsers(
        dest="collector_cmd", required=True, metavar="{held,assign,drop}"
    )
    held = csub.add_parser("held", help="list the messages held at the ISP")
    held.add_argument("--json", action="store_true", help="as a JSON document")
    held.set_defaults(handler=cmd_held)
    assign = csub.add_parser("assign", help="deliver a held message to a local user")
    assign.add_argument("uidl", help="the message's UIDL (see 'pmemail collector held')")
    assign.add_argument("user", help="local address or alias it goes to")
    _mailbox_flag(assign)
    assign.set_defaults(handler=cmd_assign)
    drop = csub.add_parser("drop", help="delete a held message at the ISP, unread")
    drop.add_argument("uidl", help="the message's UIDL (see 'pmemail collector held')")
    _mailbox_flag(drop)
    drop.set_defaults(handler=cmd_drop)


def _mailbox_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mailbox",
        default="",
        metavar="USER@HOST:PORT",
        help="the ISP mailbox, when the UIDL is held in several",
    )
    parser.add_argument("--json", action="store_true", help="as a JSON document")


def held_json(message: HeldMessage) -> dict[str, object]:
    """The ``--json`` shape of one held message (the same keys as ``status --json``)."""
    h = message.held
    return {
        "mailbox": message.mailbox,
        "uidl": message.uid,
        "size": h.size,
        "sender": h.sender,
        "to": h.to,
        "subject": h.subject,
        "since": h.since,
        "decided": message.decided.action if message.decided else "",
    }


def cmd_held(ctx: Context, args: argparse.Namespace) -> int:
    """Print the held messages, oldest first."""
    from pmemail.app.cert_wording import format_date
    from pmemail.app.collector_held import list_held, say

    held, language = list_held(ctx.config, ctx.paths), ctx.config.language
    if args.json:
        ctx.print(json.dumps({"held": [held_json(m) for m in held]}, indent=2))
        return 0
    if not held:
        ctx.print(say("held.none", language))
        return 0
    for m in held:
        ctx.print(
            say(
                "held.line",
                language,
                uidl=m.uid,
                size=m.held.size,
                sender=m.held.sender or "?",
                to=m.held.to or "?",
                subject=m.held.subject,
                since=format_date(m.held.since, language, with_time=True),
                mailbox=m.mailbox,
            )
        )
        if m.decided:
            ctx.print(say(f"held.decided.{m.decided.action}", language))
    ctx.print(say("held.count", language, count=len(held)))
    return 0


def _wake(ctx: Context) -> None:
    """Ask a running server to fetch now, so the decision is carried out at once."""
    from pmemail.app.collector_held import wake_collector

    wake_collector(ctx.paths)


def cmd_assign(ctx: Context, args: argparse.Namespace) -> int:
    """Record that a held message goes to a local user."""
    from pmemail.app.collector_held import HeldError, assign, say

    try:
        assign(ctx.config, ctx.paths, args.uidl, args.user, args.mailbox)
    except HeldError as err:
        raise CommandError(err.text(ctx.config.language), exit_code=1) from None
    _wake(ctx)
    if args.json:
        ctx.print(json.dumps({"uidl": args.uidl, "assigned_to": args.user}))
    else:
        ctx.print(say("assign.done", ctx.config.language, uidl=args.uidl, user=args.user))
    return 0


def cmd_drop(ctx: Context, args: argparse.Namespace) -> int:
    """Record that a held message is deleted at the ISP."""
    from pmemail.app.collector_held import HeldError, drop, say

    try:
        drop(ctx.config, ctx.paths, args.uidl, args.mailbox)
    except HeldError as err:
        raise CommandError(err.text(ctx.config.language), exit_code=1) from None
    _wake(ctx)
    if args.json:
        ctx.print(json.dumps({"uidl": args.uidl, "dropped": True}))
    else:
        ctx.print(say("drop.done", ctx.config.language, uidl=args.uidl))
    return 0
