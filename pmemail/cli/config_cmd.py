"""``pmemail init`` and ``pmemail config show``."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from pmemail.app.init_setup import write_initial_config
from pmemail.cli.context import CommandError, Context
from pmemail.config import Config, render_config
from pmemail.config.paths import DataPaths

ORDER = 10
SECRET_KEYS = ("password",)
MASK = "********"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``init`` and ``config`` commands."""
    init = sub.add_parser("init", help="write a commented config file and a TLS certificate")
    init.add_argument("--domain", help="the office's mail domain, e.g. example.be")
    init.add_argument("--hostname", help="public host name (default: mail.DOMAIN)")
    init.add_argument("--data-dir", help="where mail and state live")
    init.add_argument(
        "--unprivileged",
        action="store_true",
        help="services listen on high internal ports (2525, 1430, ...)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=cmd_init)

    config = sub.add_parser("config", help="inspect the configuration")
    csub = config.add_subparsers(dest="config_cmd", required=True, metavar="{show}")
    show = csub.add_parser("show", help="print the effective configuration")
    show.add_argument("--json", action="store_true", help="as a JSON document")
    show.set_defaults(handler=cmd_config_show)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    """Write the config file (refusing to overwrite unless --force)."""
    if ctx.config_path.exists() and not args.force:
        raise CommandError(
            f"{ctx.config_path} already exists; use --force to overwrite it", exit_code=1
        )
    result = write_initial_config(
        ctx.config_path,
        domain=args.domain,
        hostname=args.hostname,
        data_dir=args.data_dir,
        unprivileged=args.unprivileged,
    )
    ctx.print(f"wrote {ctx.config_path}")
    ctx.print(f"data in {result.paths.root}")
    if result.certificate:
        ctx.print(f"TLS certificate {result.certificate}")
    return 0


def masked(config: Config) -> dict[str, Any]:
    """The config as a dict with every password replaced by a mask."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (MASK if k in SECRET_KEYS and v else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    result: dict[str, Any] = walk(dataclasses.asdict(config))
    return result


def cmd_config_show(ctx: Context, args: argparse.Namespace) -> int:
    """Print the loaded configuration, secrets masked."""
    config = ctx.config
    if args.json:
        doc = {
            "config_file": str(ctx.config_path),
            "data_dir": str(DataPaths.from_config(config, ctx.config_path).root),
            "config": masked(config),
        }
        ctx.print(json.dumps(doc, indent=2))
        return 0
    shown = _from_masked(masked(config))
    ctx.print(f"# {ctx.config_path}")
    ctx.out.write(render_config(shown, config.language))
    return 0


def _from_masked(data: dict[str, Any]) -> Config:
    from pmemail.config import config_from_dict

    return config_from_dict(data)
