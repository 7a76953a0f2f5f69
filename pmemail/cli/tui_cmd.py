"""``pmemail`` with no command: open the terminal app.

On first run (no config file yet) a default config is written, so the app
always starts on its embedded defaults.
"""

from __future__ import annotations

import argparse

from pmemail.cli.context import Context
from pmemail.init_setup import write_initial_config


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Nothing to add: the app is the default action."""


def cmd_app(ctx: Context, args: argparse.Namespace) -> int:
    """Open the Textual app (imported here so other commands stay light)."""
    first_run = not ctx.config_path.exists()
    if first_run:
        write_initial_config(ctx.config_path)
    config = ctx.config  # a broken file is reported before the screen opens
    from pmemail_tui.app import PmemailApp

    PmemailApp(config=config, config_path=ctx.config_path, first_run=first_run).run()
    return 0
