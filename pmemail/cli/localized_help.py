"""``pmemail --help`` and argparse's errors in the run's language.

argparse words its headings and errors through ``gettext`` at module level,
for the whole process; :class:`FrenchParser` translates instead, per parser,
what enters it (help texts, descriptions, the ``-h`` and ``--version`` help,
the group titles), the ``usage:`` prefix through :class:`FrenchHelpFormatter`,
and its error lines in :meth:`FrenchParser.error`. English runs keep argparse's
own classes, so their output stays exactly argparse's.

The parser is built once the language is known: :func:`run_language` reads it
from the hoisted ``--lang`` / ``--config`` before any parsing.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from pmemail.cli.help_texts import ARGPARSE_ERRORS_FR, ARGPARSE_FR, HELP_FR
from pmemail.config import resolve_config_path
from pmemail.config.language import LANGUAGES, configured_language, resolve_language
from pmemail.config.model import Language

# argparse's placeholders: %(name)s, %(name)r, and the positional %s, %r
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]|%[sr]")


def french(text: str) -> str:
    """The French of a help text or of one of argparse's words; ``text`` when none is known."""
    return HELP_FR.get(text) or ARGPARSE_FR.get(text) or text


def argparse_placeholders(template: str) -> list[str]:
    """The placeholders of ``template`` in order, positional ones named ``_0``, ``_1``..."""
    return [m.group(1) or f"_{i}" for i, m in enumerate(_PLACEHOLDER.finditer(template))]


def _pattern(msgid: str) -> re.Pattern[str]:
    """A regex that matches ``msgid`` once formatted, capturing each value."""
    parts: list[str] = []
    last = 0
    for name, found in zip(argparse_placeholders(msgid), _PLACEHOLDER.finditer(msgid), strict=True):
        parts += [re.escape(msgid[last : found.start()]), f"(?P<{name}>.+?)"]
        last = found.end()
    parts.append(re.escape(msgid[last:]))
    return re.compile("".join(parts), re.DOTALL)


def _fill(template: str, values: Mapping[str, str]) -> str:
    names = iter(argparse_placeholders(template))
    return _PLACEHOLDER.sub(lambda _m: values[next(names)], template)


_ERRORS = [(_pattern(msgid), fr) for msgid, fr in ARGPARSE_ERRORS_FR.items()]


def french_error(message: str) -> str:
    """An argparse error line (already formatted, in English) in French.

    The line is matched against argparse's msgids; a nested message (``argument
    --lang: invalid choice: ...``) is translated too. A line no msgid matches
    stays as it is.
    """
    for pattern, fr in _ERRORS:
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if "message" in values:
                values["message"] = french_error(values["message"])
            return _fill(fr, values)
    return message


class FrenchHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with the French ``usage:`` prefix, words kept whole at hyphens."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        """Add the usage line; argparse's default prefix reads ``utilisation :``."""
        super().add_usage(usage, actions, groups, french("usage: ") if prefix is None else prefix)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # "fourre-tout", "celles-là": a French word is not cut at its hyphen
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(
            " ".join(text.split()),
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )


if TYPE_CHECKING:
    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # not subscriptable at run time
    _SubParsers = argparse._SubParsersAction


class _FrenchSubParsers(_SubParsers):
    """Subcommands whose one-line help, shown in the parent's list, reads French."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if kwargs.get("help"):
            kwargs["help"] = french(kwargs["help"])
        return super().add_parser(name, **kwargs)


class FrenchParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors read French.

    Subcommands are built with the same class (argparse's ``add_subparsers``
    takes the parent's type), so the whole tree reads French.
    """

    def __init__(self, **kwargs: Any) -> None:
        for key in ("description", "epilog"):
            if kwargs.get(key):
                kwargs[key] = french(kwargs[key])
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(**kwargs)  # adds -h through add_argument below: French help
        self.register("action", "parsers", _FrenchSubParsers)
        self._positionals.title = french("positional arguments")
        self._optionals.title = french("options")

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Add subcommands, their group's title, description and help in French."""
        if kwargs.get("description") and not kwargs.get("title"):
            kwargs["title"] = "subcommands"  # argparse's own default, translated below
        for key in ("title", "description", "help"):
            if kwargs.get(key):
                kwargs[key] = french(kwargs[key])
        return super().add_subparsers(**kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Add an argument, its help (given, or argparse's for -h and --version) in French."""
        action = super().add_argument(*args, **kwargs)
        if action.help:
            action.help = french(action.help)
        return action

    def error(self, message: str) -> NoReturn:
        """Print the usage and the error line in French, and exit with 2 as argparse does."""
        self.print_usage(sys.stderr)
        line = ARGPARSE_ERRORS_FR["%(prog)s: error: %(message)s\n"]
        self.exit(2, line % {"prog": self.prog, "message": french_error(message)})


def parser_class(language: str) -> type[argparse.ArgumentParser]:
    """The parser class that speaks ``language`` (argparse's own for English)."""
    return FrenchParser if language == "fr" else argparse.ArgumentParser


def run_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Language:
    """The language of this run, before parsing: for ``--help`` and argparse's errors.

    ``argv`` is hoisted (:func:`pmemail.cli.main.hoist_options`): ``--lang`` and
    ``--config`` come first. Same order as every other reader: ``--lang``, the
    config's ``language``, the environment. A missing or broken config is read
    as ``auto``: the help must show even then (the command itself says why the
    config is broken).
    """
    flag: str | None = None
    config: str | None = None
    args = list(argv)
    while args and args[0].startswith(("--lang", "--config")):
        option, equals, value = args.pop(0).partition("=")
        if not equals and args:
            value = args.pop(0)
        if option == "--lang":
            flag = value if value in LANGUAGES else None
        elif option == "--config":
            config = value
        else:
            break
    if flag is not None:
        return resolve_language(flag, "auto", environ)
    return resolve_language(None, configured_language(resolve_config_path(config)), environ)
