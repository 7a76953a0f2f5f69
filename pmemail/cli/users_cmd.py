"""``pmemail users add|list|passwd|remove|protocol|alias``: the office's mailboxes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, get_args

from mailcore.interfaces import AccessProtocol
from pmemail.cli.context import CommandError, Context

if TYPE_CHECKING:
    from mailcore.users import Alias, UserStore

ORDER = 30
# the same tuple as mailcore.users.PROTOCOLS, without importing the user store
# (sqlite3, hashing) for every `pmemail ... --help`
PROTOCOLS: tuple[str, ...] = get_args(AccessProtocol)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``users`` command group."""
    users = sub.add_parser("users", help="manage mail users, aliases and catch-alls")
    usub = users.add_subparsers(
        dest="users_cmd", required=True, metavar="{add,list,passwd,remove,protocol,alias}"
    )

    add = usub.add_parser("add", help="create a user (asks for the password)")
    add.add_argument(
        "address", help="user@domain (a local domain), or a bare name: NAME@mail.domain"
    )
    add.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="imap",
        help="how the user reads mail (default imap)",
    )
    add.add_argument("--name", default="", help="display name")
    _password_flag(add)
    add.set_defaults(handler=cmd_add)

    lst = usub.add_parser("list", help="list users, aliases and catch-alls")
    lst.add_argument("--json", action="store_true", help="as a JSON document")
    lst.set_defaults(handler=cmd_list)

    pw = usub.add_parser("passwd", help="change a user's password")
    pw.add_argument("address")
    _password_flag(pw)
    pw.set_defaults(handler=cmd_passwd)

    rm = usub.add_parser("remove", help="delete a user (its Maildir is kept)")
    rm.add_argument("address")
    rm.set_defaults(handler=cmd_remove)

    proto = usub.add_parser("protocol", help="switch a user between imap and pop3")
    proto.add_argument("address")
    proto.add_argument("protocol", choices=PROTOCOLS)
    proto.set_defaults(handler=cmd_protocol)

    alias = usub.add_parser("alias", help="manage aliases and catch-alls")
    asub = alias.add_subparsers(
        dest="alias_cmd", required=True, metavar="{add,remove,list,catchall}"
    )
    aadd = asub.add_parser("add", help="deliver ALIAS to TARGET (a user or alias)")
    aadd.add_argument("alias")
    aadd.add_argument("target")
    aadd.set_defaults(handler=cmd_alias_add)
    arm = asub.add_parser("remove", help="remove an alias (or one of its targets)")
    arm.add_argument("alias")
    arm.add_argument("target", nargs="?")
    arm.set_defaults(handler=cmd_alias_remove)
    als = asub.add_parser("list", help="list aliases")
    als.add_argument("--json", action="store_true", help="as a JSON document")
    als.set_defaults(handler=cmd_alias_list)
    catch = asub.add_parser("catchall", help="route unknown addresses of DOMAIN to TARGET")
    catch.add_argument("domain")
    catch.add_argument("target", nargs="?", help="omit together with --remove")
    catch.add_argument("--remove", action="store_true", help="remove the domain's catch-all")
    catch.set_defaults(handler=cmd_catchall)


def _password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin (scripts)",
    )


def _store(ctx: Context) -> UserStore:
    from mailcore.users import UserStore

    return UserStore.from_config(ctx.config, ctx.paths)


def _say(ctx: Context, key: str, **params: object) -> str:
    """The sentence ``key`` of :mod:`pmemail.app.user_texts` in the run's language."""
    from pmemail.app.cert_wording import render
    from pmemail.app.user_texts import TEXTS

    return render(TEXTS, key, ctx.config.language, **params)


def _read_password(ctx: Context, args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass  # termios: only when a password is really asked

        try:
            password = getpass.getpass(_say(ctx, "cli.prompt_password"))
            again = getpass.getpass(_say(ctx, "cli.prompt_again"))
        except EOFError as err:
            raise CommandError(_say(ctx, "cli.no_password")) from err
        if password != again:
            raise CommandError(_say(ctx, "cli.passwords_differ"))
    if not password:
        raise CommandError(_say(ctx, "empty_password"))
    return password


def _entry(ctx: Context, action: str, check: Callable[..., str | None], *values: str) -> str:
    """``check(*values)`` of :mod:`pmemail.app.user_entry`, its problem in the config's language."""
    from pmemail.app.cert_wording import render
    from pmemail.app.user_entry import EntryProblem
    from pmemail.app.user_entry_texts import TEXTS

    try:
        return check(*values) or ""
    except EntryProblem as err:
        text = render(TEXTS, err.msgid, ctx.config.language, **err.params)
        raise CommandError(f"{action}: {text}") from None


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    """Create a user (a bare name gets the mail domain; the password policy applies)."""
    from pmemail.app.user_entry import check_password, user_address

    store = _store(ctx)
    address = _entry(ctx, "add", user_address, args.address, ctx.config.mail.domain)
    _run(ctx, "add", store.check_local, address)  # before asking for a password
    if store.get(address) is not None:
        raise CommandError(f"add: {_say(ctx, 'exists', address=address)}")
    password = _read_password(ctx, args)
    _entry(ctx, "add", check_password, address, password)
    with _user_errors(ctx):
        user = store.add_user(address, password, args.protocol, args.name)
    ctx.print(_say(ctx, "cli.added", address=user.address, protocol=user.protocol))
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    """List users (and aliases, catch-alls)."""
    store = _store(ctx)
    users, aliases, catchalls = store.list_users(), store.list_aliases(), store.catchalls()
    if args.json:
        doc = {
            "domains": sorted(store.local_domains()),
            "users": [
                {"address": u.address, "protocol": u.protocol, "name": u.display_name}
                for u in users
            ],
            **_aliases_json(aliases, catchalls),
        }
        ctx.print(json.dumps(doc, indent=2))
        return 0
    if not users:
        command = "pmemail users add NAME@" + ctx.config.mail.domain
        ctx.print(_say(ctx, "cli.no_users", command=command))
    for u in users:
        ctx.print(f"{u.address:40} {u.protocol:5} {u.display_name}".rstrip())
    _print_aliases(ctx, aliases, catchalls)
    return 0


def _aliases_json(aliases: list[Alias], catchalls: dict[str, str]) -> dict[str, Any]:
    """The ``aliases`` and ``catchall`` keys of ``list --json`` and ``alias list --json``."""
    return {
        "aliases": [{"alias": a.address, "target": a.target} for a in aliases],
        "catchall": catchalls,
    }


def _print_aliases(ctx: Context, aliases: list[Alias], catchalls: dict[str, str]) -> None:
    for a in aliases:
        ctx.print(f"{a.address:40} -> {a.target}")
    for domain, target in catchalls.items():
        ctx.print(f"{'*@' + domain:40} -> {target}")


@contextmanager
def _user_errors(ctx: Context, action: str = "") -> Iterator[None]:
    """A ``UserError`` of the block as the command's one line, in the run's language."""
    from mailcore.users import UserError
    from pmemail.app.user_texts import user_error_words

    try:
        yield
    except UserError as err:
        prefix = f"{action}: " if action else ""
        raise CommandError(prefix + user_error_words(err, ctx.config.language)) from None


def _run(ctx: Context, action: str, fn: Callable[..., object], *fn_args: object) -> None:
    with _user_errors(ctx, action):
        fn(*fn_args)


def cmd_passwd(ctx: Context, args: argparse.Namespace) -> int:
    """Change a password (the password policy applies)."""
    from pmemail.app.user_entry import check_password

    store = _store(ctx)
    if store.get(args.address) is None:
        raise CommandError(_say(ctx, "no_user", address=args.address))
    password = _read_password(ctx, args)
    _entry(ctx, "passwd", check_password, args.address, password)
    _run(ctx, "passwd", store.set_password, args.address, password)
    ctx.print(_say(ctx, "cli.password_changed", address=args.address.lower()))
    return 0


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    """Delete a user."""
    _run(ctx, "remove", _store(ctx).remove_user, args.address)
    ctx.print(_say(ctx, "cli.removed", address=args.address.lower()))
    return 0


def cmd_protocol(ctx: Context, args: argparse.Namespace) -> int:
    """Switch IMAP/POP3."""
    _run(ctx, "protocol", _store(ctx).set_protocol, args.address, args.protocol)
    ctx.print(_say(ctx, "cli.protocol_set", address=args.address.lower(), protocol=args.protocol))
    return 0


def cmd_alias_add(ctx: Context, args: argparse.Namespace) -> int:
    """Add an alias."""
    _run(ctx, "alias add", _store(ctx).add_alias, args.alias, args.target)
    ctx.print(f"{args.alias.lower()} -> {args.target.lower()}")
    return 0


def cmd_alias_remove(ctx: Context, args: argparse.Namespace) -> int:
    """Remove an alias."""
    _run(ctx, "alias remove", _store(ctx).remove_alias, args.alias, args.target)
    ctx.print(_say(ctx, "cli.alias_removed", alias=args.alias.lower()))
    return 0


def cmd_alias_list(ctx: Context, args: argparse.Namespace) -> int:
    """List aliases and catch-alls."""
    store = _store(ctx)
    aliases, catchalls = store.list_aliases(), store.catchalls()
    if args.json:
        ctx.print(json.dumps(_aliases_json(aliases, catchalls), indent=2))
        return 0
    _print_aliases(ctx, aliases, catchalls)
    return 0


def cmd_catchall(ctx: Context, args: argparse.Namespace) -> int:
    """Set or remove a domain's catch-all."""
    if args.remove == bool(args.target):
        raise CommandError(_say(ctx, "cli.target_or_remove"))
    target = None if args.remove else args.target
    _run(ctx, "catchall", _store(ctx).set_catchall, args.domain, target)
    domain = args.domain.lower()
    if args.remove:
        ctx.print(_say(ctx, "cli.catchall_removed", domain=domain))
    else:
        ctx.print(_say(ctx, "cli.catchall_set", domain=domain, target=args.target))
    return 0
