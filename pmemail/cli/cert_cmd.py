"""``pmemail cert status|renew``: the certificate every TLS port serves, and renewing it.

Exit codes: 0 a trusted certificate is served (and, for ``renew``, the
attempt succeeded); 1 self-signed, or the renewal failed or cannot be made;
3 ``renew`` with no server running (as ``pmemail status``); 2 other errors.
"""

from __future__ import annotations

import argparse
import json

from mailcore.status import CertificateStatus
from pmemail.cli.context import CommandError, Context
from pmemail.cli.failures import failures_as
from pmemail.cli.serve_cmd import EXIT_NOT_RUNNING

ORDER = 45


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``cert`` command group."""
    cert = sub.add_parser("cert", help="the TLS certificate: which one is served, renew it")
    csub = cert.add_subparsers(dest="cert_cmd", required=True, metavar="{status,renew}")
    status = csub.add_parser("status", help="the certificate served on every TLS port")
    status.add_argument("--json", action="store_true", help="as a JSON document")
    status.set_defaults(handler=cmd_status)
    renew = csub.add_parser("renew", help="ask the running server for a renewal now (ACME)")
    renew.add_argument("--json", action="store_true", help="as a JSON document")
    renew.set_defaults(handler=cmd_renew)


def _show(ctx: Context, status: CertificateStatus, as_json: bool) -> None:
    from pmemail.app.cert_wording import certificate_lines

    if as_json:  # the document as is (README: JSON documents)
        ctx.print(json.dumps(status, indent=2, sort_keys=True))
        return
    for line in certificate_lines(status, ctx.config.language):
        ctx.print(line)


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    """Print the served certificate (exit 0 trusted, 1 self-signed)."""
    from pmemail.app.action_result import ActionError
    from pmemail.app.cert_actions import certificate_report

    with failures_as(ActionError, exit_code=1):
        status = certificate_report(ctx.config, ctx.paths)
    _show(ctx, status, args.json)
    return 0 if status["trusted"] else 1


def cmd_renew(ctx: Context, args: argparse.Namespace) -> int:
    """Ask for a renewal now (exit 0 renewed, 1 failed or impossible, 3 no server)."""
    from pmemail.app.action_result import ActionError
    from pmemail.app.cert_actions import request_renewal
    from pmemail.app.cert_outcome import renewal_timeout
    from pmemail.serve.control import NotRunning

    config = ctx.config
    try:
        with failures_as(ActionError, exit_code=1):
            status = request_renewal(config, ctx.paths, renewal_timeout(config))
    except NotRunning as err:
        raise CommandError(str(err), exit_code=EXIT_NOT_RUNNING) from None
    _show(ctx, status, args.json)
    return 0 if status["trusted"] and status["last_failure"] is None else 1
