"""``pmemail ports plan|apply|list|remove``: the router's port forwarding.

Exit codes of apply/remove: 0 every port done, 1 some, 2 none.
With ``--json`` the documents of :mod:`netcore.forwarding_report` are
printed and nothing else (no progress lines).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pmemail.cli.context import CommandError, Context

if TYPE_CHECKING:
    from netcore.checks.verdict_messages import Msg
    from netcore.forwarding import Forwarder
    from netcore.port_outcome import PortOutcome
    from netcore.profiles import ProfileError, RouterProfile

# netcore (miniupnpc, router clients, profiles) is imported inside the
# handlers: `pmemail --version` and every other command's --help skip it.

ORDER = 40
T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ports`` command group."""
    ports = sub.add_parser("ports", help="forward the plan's ports on the router (never a DMZ)")
    psub = ports.add_subparsers(dest="ports_cmd", required=True, metavar="{plan,apply,list,remove}")
    for name, handler, text in (
        ("plan", cmd_plan, "show the ports to forward"),
        ("apply", cmd_apply, "ask the router to forward every port of the plan"),
        ("list", cmd_list, "show the router's forwarding table (ours marked)"),
        ("remove", cmd_remove, "delete pmemail's mappings (and only those)"),
    ):
        p = psub.add_parser(name, help=text)
        p.add_argument("--json", action="store_true", help="print a JSON document")
        p.add_argument("--gateway", help="the router's LAN address (default: default route)")
        p.add_argument("--lan-ip", help="this machine's LAN address (default: found)")
        if name == "apply":
            p.add_argument(
                "--fallback",
                action="store_true",
                help="when the router refuses a port below 1024, forward the "
                "proposed high port instead (IMAP 1143, POP3 1110, webmail 8080; "
                "never SMTP 25) and remember it",
            )
        p.set_defaults(handler=handler)


def _forwarder(ctx: Context, args: argparse.Namespace) -> Forwarder:
    from netcore.forwarding import Forwarder

    return Forwarder(ctx.config, ctx.paths, gateway=args.gateway, lan_ip=args.lan_ip)


def _guarded(ctx: Context, call: Callable[[], T], attempt: str = "plan") -> T:
    """``call()``; a router's refusal, a bad plan or a system error as the command's
    one-line error in the configured language.

    ``attempt`` names what was tried (``fwd.os.<attempt>``): a system error is
    that sentence with the system's own reason (``strerror``) as its data.
    """
    from netcore.plan import PlanError
    from netcore.router.errors import RouterError

    try:
        return call()
    except RouterError as err:
        said = _sayer(ctx)(err.msg) if err.msg else str(err)
        raise CommandError(said, exit_code=2) from None
    except PlanError as err:
        raise CommandError(_sayer(ctx)(err.msg), exit_code=2) from None
    except OSError as err:
        error = err.strerror or str(err) or type(err).__name__
        if err.filename:  # a file (the state file, a profile): named as data too
            error = f"{err.filename}: {error}"
        raise CommandError(_say(ctx, f"fwd.os.{attempt}", error=error), exit_code=2) from None


def _profile(ctx: Context) -> RouterProfile | None:
    from netcore.forwarding_report import router_profile

    isp = ctx.config.isp
    say = _sayer(ctx)

    def warn(exc: ProfileError) -> None:
        ctx.print(_say(ctx, "fwd.line.profile_warning", reason=say(exc.msg)))

    return router_profile(isp.profile, isp.router_profile, warn)


def _emit(ctx: Context, doc: dict[str, Any]) -> None:
    ctx.print(json.dumps(doc, indent=2))


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    """Print the plan: external port -> internal address:port."""
    from netcore.forwarding_report import plan_document
    from netcore.target_check import off_lan_outcome, office_network

    fwd = _forwarder(ctx, args)
    plan = _guarded(ctx, fwd.plan)
    # with --lan-ip the plan needs no route to the router at all
    gateway = args.gateway or "" if args.lan_ip else fwd.gateway
    doc = plan_document(plan, fwd.lan_ip, gateway)
    lan = office_network(fwd.lan_ip, ctx.config.network.interface.strip())
    off = [o for o in (off_lan_outcome(p, lan, fwd.lan_ip) for p in plan) if o is not None]
    doc["off_lan"] = [
        {"name": o.name, "internal_host": o.internal_host, "message": o.message}
        | ({"message_id": o.msg.id, "params": dict(o.msg.params)} if o.msg else {})
        for o in off
    ]
    if args.json:
        _emit(ctx, doc)
        return 0
    ctx.print(_say(ctx, "fwd.line.plan", address=fwd.lan_ip))
    for p in plan:
        instead = (
            " " + _say(ctx, "fwd.line.plan_fallback", port=str(p.fallback_for))
            if p.fallback_for
            else ""
        )
        ctx.print(
            f"  {p.external:>5}/{p.protocol}  ->  {p.internal_host}:{p.internal:<5}  "
            f"{p.name}{instead}"
        )
    say = _sayer(ctx)
    for o in off:
        reason = say(o.msg) if o.msg else o.message
        ctx.print(f"  {_say(ctx, 'fwd.line.warning', reason=reason)}")
    ctx.print()
    ctx.print(_say(ctx, "fwd.dmz"))
    return 0


def _progress_line(ctx: Context, o: PortOutcome) -> None:
    from netcore.forwarding_report import outcome_line

    ctx.print(f"  {outcome_line(o, _sayer(ctx))}")


def _sayer(ctx: Context) -> Callable[[Msg], str]:
    """Words a message id in the configured language."""
    from pmemail.app.verdict_texts import sayer

    return sayer(ctx.config.language)


def _say(ctx: Context, key: str, **params: str) -> str:
    """Message id ``key`` of the forwarding catalogue in the configured language."""
    from netcore.checks.verdict_messages import Msg

    return _sayer(ctx)(Msg(key, params))


def cmd_apply(ctx: Context, args: argparse.Namespace) -> int:
    """Map the plan; print progress, then fallbacks and manual steps if needed."""
    from netcore.forwarding_report import forwarding_document

    fwd = _forwarder(ctx, args)
    plan = _guarded(ctx, fwd.plan)
    if not args.json:
        ctx.print(_say(ctx, "fwd.line.forwarding", count=str(len(plan)), gateway=fwd.gateway))
    report = _guarded(
        ctx,
        lambda: fwd.apply(
            None if args.json else (lambda o: _progress_line(ctx, o)), fallback=args.fallback
        ),
        "apply",
    )
    doc = forwarding_document(report, plan, _profile(ctx) if report.failed else None, fwd.gateway)
    if args.json:
        _emit(ctx, doc)
        return report.exit_code()
    _render_next_steps(ctx, doc)
    ctx.print()
    ctx.print(_say(ctx, "fwd.dmz"))
    return report.exit_code()


def _render_next_steps(ctx: Context, doc: dict[str, Any]) -> None:
    from netcore.forwarding_report import next_steps_lines
    from pmemail.app.forwarding_status import manual_in_language
    from pmemail.app.verdict_texts import sayer

    language = ctx.config.language
    for line in next_steps_lines(manual_in_language(doc, language), sayer(language)):
        ctx.print(line)


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    """Print the router's whole table; ours are marked with '*'."""
    from netcore.forwarding_report import list_document

    fwd = _forwarder(ctx, args)
    rows, records = _guarded(ctx, fwd.table, "list")
    url = fwd.igd_url
    doc = list_document(rows, records, url, fwd.fallback_ports())
    if args.json:
        _emit(ctx, doc)
        return 0
    where = url or _say(ctx, "fwd.line.no_upnp")
    ctx.print(_say(ctx, "fwd.line.table", where=where))
    permanent = _say(ctx, "fwd.line.permanent")
    for m in doc["mappings"]:
        mark = "*" if m["ours"] else " "
        lease = permanent if not m["lease"] else f"{m['lease']} s"
        instead = (
            " " + _say(ctx, "fwd.line.instead_of", port=str(m["fallback_for"]))
            if m["fallback_for"]
            else ""
        )
        ctx.print(
            f" {mark} {m['external']:>5}/{m['protocol']} -> "
            f"{m['internal_host']}:{m['internal']:<5} {m['description']:<24} "
            f"{m['method']:<6} {lease}{instead}"
        )
    if not doc["mappings"]:
        ctx.print(f"  {_say(ctx, 'fwd.line.empty')}")
    return 0


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    """Delete pmemail's mappings; others' mappings are left alone."""
    from netcore.forwarding_report import forwarding_document

    fwd = _forwarder(ctx, args)
    report = _guarded(
        ctx, lambda: fwd.remove(None if args.json else (lambda o: _progress_line(ctx, o))), "remove"
    )
    doc = forwarding_document(report, [], None)
    if args.json:
        _emit(ctx, doc)
    else:
        summary = {k: str(v) for k, v in doc["summary"].items()}
        ctx.print(_say(ctx, "fwd.line.removed_count", ok=summary["ok"], total=summary["total"]))
    return report.exit_code()
