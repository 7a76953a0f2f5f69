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

from pmemail.cli.context import Context
from pmemail.cli.failures import failures_as

if TYPE_CHECKING:
    from netcore.forwarding import Forwarder
    from netcore.port_outcome import PortOutcome
    from netcore.profiles import RouterProfile

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


def _guarded(call: Callable[[], T]) -> T:
    from netcore.plan import PlanError
    from netcore.router.errors import RouterError

    with failures_as(RouterError, PlanError, exit_code=2):
        return call()


def _profile(ctx: Context) -> RouterProfile | None:
    from netcore.forwarding_report import router_profile

    isp = ctx.config.isp
    return router_profile(isp.profile, isp.router_profile, lambda exc: ctx.print(f"warning: {exc}"))


def _emit(ctx: Context, doc: dict[str, Any]) -> None:
    ctx.print(json.dumps(doc, indent=2))


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    """Print the plan: external port -> internal address:port."""
    from netcore import advice
    from netcore.forwarding_report import plan_document
    from netcore.target_check import off_lan_outcome, office_network

    fwd = _forwarder(ctx, args)
    plan = _guarded(fwd.plan)
    # with --lan-ip the plan needs no route to the router at all
    gateway = args.gateway or "" if args.lan_ip else fwd.gateway
    doc = plan_document(plan, fwd.lan_ip, gateway)
    lan = office_network(fwd.lan_ip, ctx.config.network.interface.strip())
    off = [o for o in (off_lan_outcome(p, lan, fwd.lan_ip) for p in plan) if o is not None]
    doc["off_lan"] = [
        {"name": o.name, "internal_host": o.internal_host, "message": o.message} for o in off
    ]
    if args.json:
        _emit(ctx, doc)
        return 0
    ctx.print(f"port plan (this machine: {fwd.lan_ip})")
    for p in plan:
        instead = f" (fallback for {p.fallback_for})" if p.fallback_for else ""
        ctx.print(
            f"  {p.external:>5}/{p.protocol}  ->  {p.internal_host}:{p.internal:<5}  "
            f"{p.name}{instead}"
        )
    for o in off:
        ctx.print(f"  WARNING {o.message}")
    ctx.print()
    ctx.print(advice.DMZ_EXPLANATION)
    return 0


def _progress_line(ctx: Context, o: PortOutcome) -> None:
    from netcore.forwarding_report import outcome_line

    ctx.print(f"  {outcome_line(o)}")


def cmd_apply(ctx: Context, args: argparse.Namespace) -> int:
    """Map the plan; print progress, then fallbacks and manual steps if needed."""
    from netcore import advice
    from netcore.forwarding_report import forwarding_document

    fwd = _forwarder(ctx, args)
    plan = _guarded(fwd.plan)
    if not args.json:
        ctx.print(f"forwarding {len(plan)} port(s) to this office (router {fwd.gateway})")
    report = _guarded(
        lambda: fwd.apply(
            None if args.json else (lambda o: _progress_line(ctx, o)), fallback=args.fallback
        )
    )
    doc = forwarding_document(report, plan, _profile(ctx) if report.failed else None, fwd.gateway)
    if args.json:
        _emit(ctx, doc)
        return report.exit_code()
    _render_next_steps(ctx, doc)
    ctx.print()
    ctx.print(advice.DMZ_EXPLANATION)
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
    rows, records = _guarded(fwd.table)
    url = fwd.igd_url
    doc = list_document(rows, records, url, fwd.fallback_ports())
    if args.json:
        _emit(ctx, doc)
        return 0
    ctx.print(f"router table ({url or 'no UPnP'}); * = pmemail")
    for m in doc["mappings"]:
        mark = "*" if m["ours"] else " "
        lease = "permanent" if not m["lease"] else f"{m['lease']} s"
        instead = f" (instead of {m['fallback_for']})" if m["fallback_for"] else ""
        ctx.print(
            f" {mark} {m['external']:>5}/{m['protocol']} -> "
            f"{m['internal_host']}:{m['internal']:<5} {m['description']:<24} "
            f"{m['method']:<6} {lease}{instead}"
        )
    if not doc["mappings"]:
        ctx.print("  (empty)")
    return 0


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    """Delete pmemail's mappings; others' mappings are left alone."""
    from netcore.forwarding_report import forwarding_document

    fwd = _forwarder(ctx, args)
    report = _guarded(lambda: fwd.remove(None if args.json else (lambda o: _progress_line(ctx, o))))
    doc = forwarding_document(report, [], None)
    if args.json:
        _emit(ctx, doc)
    else:
        ctx.print(f"{doc['summary']['ok']} of {doc['summary']['total']} mapping(s) removed")
    return report.exit_code()
