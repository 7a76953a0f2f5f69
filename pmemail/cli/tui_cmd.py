"""``pmemail`` (no command), ``pmemail wizard`` and ``pmemail dashboard``: the terminal app.

On first run (no config file yet) a default config is written, so the app
always starts on its embedded defaults.
"""

from __future__ import annotations

import argparse
import functools

from pmemail.cli.context import Context

ORDER = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``wizard`` and ``dashboard`` force one screen; no command picks by itself."""
    wizard = sub.add_parser("wizard", help="open the setup wizard (where it was left)")
    wizard.set_defaults(handler=functools.partial(open_app, mode="wizard"))
    dashboard = sub.add_parser("dashboard", help="open the live dashboard")
    dashboard.set_defaults(handler=functools.partial(open_app, mode="dashboard"))


def open_app(ctx: Context, args: argparse.Namespace, mode: str = "auto") -> int:
    """Open the Textual app (imported here so other commands stay light)."""
    first_run = not ctx.config_path.exists()
    if first_run:
        from pmemail.app.init_setup import write_initial_config

        write_initial_config(ctx.config_path)
    config = ctx.config  # a broken file is reported before the screen opens
    from pmemail_tui.app import PmemailApp

    PmemailApp(
        config=config,
        config_path=ctx.config_path,
        first_run=first_run,
        mode=mode,  # type: ignore[arg-type]
        language_flag=ctx.language_flag,
        configured_language=ctx.configured_language,
    ).run()
    return 0


def cmd_app(ctx: Context, args: argparse.Namespace) -> int:
    """No command: the wizard until it is finished, then the dashboard."""
    return open_app(ctx, args)
