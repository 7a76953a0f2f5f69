"""``pmemail dns records`` and ``pmemail dkim rotate``: what to publish in the DNS.

``records`` lists, for every mail domain, MX, A, SPF (fitting ``relay.mode``),
DKIM, DMARC, MTA-STS and TLS-RPT, each with a note in the config's language;
the first DKIM key of a domain is made when missing. ``rotate`` makes a new
DKIM key and selector: publish its record before the old one is removed.
"""

from __future__ import annotations

import argparse
import json

from pmemail.cli.context import CommandError, Context

ORDER = 35


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``dns`` and ``dkim`` command groups."""
    dns = sub.add_parser("dns", help="the DNS records to publish for the mail domains")
    dsub = dns.add_subparsers(dest="dns_cmd", required=True, metavar="{records}")
    records = dsub.add_parser("records", help="MX, A, SPF, DKIM, DMARC, MTA-STS, TLS-RPT")
    records.add_argument("--public-ip", default="", help="the office's public address")
    records.add_argument("--json", action="store_true", help="as a JSON document")
    records.set_defaults(handler=cmd_records)
    dkim = sub.add_parser("dkim", help="DKIM signing keys")
    ksub = dkim.add_subparsers(dest="dkim_cmd", required=True, metavar="{rotate}")
    rotate = ksub.add_parser("rotate", help="a new key and selector (the old key is kept)")
    rotate.add_argument("--domain", default="", help="one mail domain (default: all)")
    rotate.add_argument("--json", action="store_true", help="as a JSON document")
    rotate.set_defaults(handler=cmd_rotate)


def cmd_records(ctx: Context, args: argparse.Namespace) -> int:
    """Print the records (zone-file lines with notes, or JSON)."""
    from pmemail.app.dns_publish import records_document

    doc = records_document(ctx.config, ctx.paths, args.public_ip.strip())
    if args.json:
        ctx.print(json.dumps(doc, indent=2))
        return 0
    for record in doc["records"]:
        ctx.print(f"; {record['note']}")
        ctx.print(str(record["zone_line"]))
    return 0


def cmd_rotate(ctx: Context, args: argparse.Namespace) -> int:
    """Make the new keys; print the records to publish."""
    from mailcore.dkim.keys import DkimKeyError
    from netcore.dns_records import quoted
    from pmemail.app.dns_publish import rotate_dkim

    try:
        done = rotate_dkim(ctx.config, ctx.paths, args.domain.strip())
    except (DkimKeyError, OSError) as err:
        raise CommandError(str(err)) from err
    if args.json:
        ctx.print(json.dumps({"version": 1, "rotated": done}, indent=2))
        return 0
    for item in done:
        ctx.print(f"{item['name']}. IN TXT {quoted(item['value'])}")
    return 0
