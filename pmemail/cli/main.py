"""Entry point of the ``pmemail`` command.

Each command group lives in its own module with a ``register(sub)`` function;
``main`` only builds the parser, loads nothing it does not need, and turns
every expected failure into one clear line on stderr (never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

import pmemail.cli
from pmemail import __version__
from pmemail.cli import tui_cmd
from pmemail.cli.context import CommandError, Context
from pmemail.cli.localized_help import parser_class, run_language
from pmemail.config import ConfigError, resolve_config_path

# sysexits.h's EX_CONFIG: a broken config is not a failed check (doctor and
# ports use 1 and 2 for what they found), so scripts can tell the two apart
CONFIG_ERROR_EXIT = 78


def command_modules() -> list[ModuleType]:
    """Every ``pmemail/cli/*_cmd.py`` module, ordered by its ``ORDER`` (then name).

    Discovery keeps command groups independent: adding a command is adding a
    module with ``register(sub)``; nothing here changes.
    """
    names = [m.name for m in pkgutil.iter_modules(pmemail.cli.__path__) if m.name.endswith("_cmd")]
    modules = [importlib.import_module(f"pmemail.cli.{n}") for n in names]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def build_parser(language: str = "en") -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs test), its help in ``language``."""
    parser = parser_class(language)(
        prog="pmemail",
        description="Host your office's mail behind an ordinary internet router. "
        "Without a command, opens the terminal app.",
    )
    parser.add_argument("--version", action="version", version=f"pmemail {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $PMEMAIL_CONFIG, else ~/.config/pmemail/pmemail.toml)",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "fr"),
        help="language of this run (default: the config's `language`, else LANG/LC_MESSAGES)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(sub)
    return parser


def hoist_options(argv: Sequence[str]) -> list[str]:
    """``argv`` with the options every command takes put where argparse wants them.

    ``--config PATH`` and ``--lang fr`` (or ``--config=PATH``, ``--lang=fr``) may come
    anywhere: they are moved before the command. ``--json`` given before the command
    is moved after it (the commands that print JSON declare it). Nothing after ``--``
    is touched.
    """
    args = list(argv)
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    front: list[str] = []
    rest: list[str] = []
    json_first = False
    seen_command = False
    i = 0
    while i < len(head):
        arg = head[i]
        if arg in ("--config", "--lang") and i + 1 < len(head):
            front += head[i : i + 2]
            i += 2
            continue
        if arg.startswith(("--config=", "--lang=")):
            front.append(arg)
        elif arg == "--json" and not seen_command:
            json_first = True
        else:
            seen_command = seen_command or not arg.startswith("-")
            rest.append(arg)
        i += 1
    return [*front, *rest, *(["--json"] if json_first else []), *tail]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    hoisted = hoist_options(sys.argv[1:] if argv is None else argv)
    # the language is known before the parser is built: its help and errors speak it
    language = run_language(hoisted)
    args = build_parser(language).parse_args(hoisted)
    ctx = Context(config_path=resolve_config_path(args.config), language_flag=args.lang)
    handler = getattr(args, "handler", None) or tui_cmd.cmd_app
    try:
        code: int = handler(ctx, args)
        return code
    except ConfigError as err:
        from pmemail.app.config_texts import config_error_text
        from pmemail.config.language import resolve_language

        # the file cannot say its language: --lang, else the environment
        language = resolve_language(ctx.language_flag, "auto")
        print(f"pmemail: {config_error_text(err, language)}", file=sys.stderr)
        return CONFIG_ERROR_EXIT
    except CommandError as err:
        print(f"pmemail: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        from pmemail.cli.localized_help import french

        said = "interrupted"
        print(f"pmemail: {french(said) if language == 'fr' else said}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `pmemail ... | head`: the reader left; silence the final flush too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
