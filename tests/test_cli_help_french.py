"""``pmemail --help`` of every command, and argparse's errors, in French (issue 17).

The commands are found by walking the parser's subcommands, so a new command
is checked without touching this file. English words are named by
:func:`tests.french_screen_support.english_words` once the data of a help page
is taken out: the usage lines after their prefix, the option and argument
column, option names, metavars, choices and paths.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmemail.cli.help_texts import ARGPARSE_ERRORS_FR, ARGPARSE_FR, HELP_FR
from pmemail.cli.localized_help import argparse_placeholders, french_error, run_language
from pmemail.cli.main import build_parser, main
from tests.french_screen_support import english_words


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands(build_parser())]

# the argument column ("  --config PATH", "    add"): argparse indents it 2 to 6 spaces,
# the wrapped help under it far more
_INVOCATION = re.compile(r"^ {2,6}(?=\S)(?:\S+ ?)+?(?: {2,}|$)")
# option names, metavars, choices and paths are data, not sentences
_DATA = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*|\b[A-Z][A-Z_]+\b|\{[^}]*\}|\S*/\S*")


def _sentences(help_text: str, usage: str = "utilisation : ") -> list[str]:
    """The lines of a help page that are sentences, data taken out."""
    lines: list[str] = []
    in_usage = False
    for line in help_text.splitlines():
        if line.startswith(usage):
            in_usage = True
            continue
        in_usage = in_usage and bool(line.strip())
        if not in_usage:
            lines.append(_DATA.sub(" ", _INVOCATION.sub(" ", line)))
    return lines


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def _texts(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Every help text, description and epilog a command module gives."""
    for _, command in _commands(parser):
        yield from (t for t in (command.description, command.epilog) if t)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                yield from (a.help for a in action._choices_actions if a.help)
                yield from [action.help] if action.help else []
            elif action.help and not isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                yield action.help


def test_the_help_reader_keeps_sentences_only() -> None:
    """Usage lines and the argument column go, the help beside them stays."""
    page = (
        "utilisation : pmemail users add [-h] [--name NAME]\n"
        "                                address\n\n"
        "arguments positionnels:\n"
        "  address               nom@domaine (the local one)\n"
        "  --protocol {imap,pop3}\n"
        "                        comment l'utilisateur relève son courrier\n"
    )
    words = [w for line in _sentences(page) for w in english_words(line)]
    assert words == ["the"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pmemail")
def test_help_in_french(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    """``pmemail --lang fr COMMAND --help`` holds no English sentence."""
    page = _help(capsys, "--lang", "fr", *command)
    assert page.startswith("utilisation : pmemail"), page
    assert "afficher cette aide et quitter" in page and "\noptions :\n" in page
    found = [line for line in _sentences(page) if english_words(line)]
    assert not found, page


def test_every_help_text_has_its_french() -> None:
    """Each text a command module declares is in the catalogue, so none shows in English."""
    missing = sorted({t for t in _texts(build_parser()) if t not in HELP_FR})
    assert not missing, missing
    assert all(fr.strip() for fr in HELP_FR.values())


def test_argparse_words_are_argparse_s() -> None:
    """The msgids match argparse's own (a Python upgrade that rewords them is seen here),
    and the French keeps their placeholders."""
    source = inspect.getsource(argparse)
    for msgid in [*ARGPARSE_FR, *ARGPARSE_ERRORS_FR]:
        assert repr(msgid).strip("'\"") in source, msgid
    for msgid, fr in ARGPARSE_ERRORS_FR.items():
        assert sorted(argparse_placeholders(msgid)) == sorted(argparse_placeholders(fr)), msgid


def test_english_help_is_argparse_s(capsys: pytest.CaptureFixture[str]) -> None:
    """English reads as before: argparse's words, the modules' texts, whatever LANG says."""
    for command in COMMANDS:
        page = _help(capsys, "--lang", "en", *command)
        parser = dict(_commands(build_parser()))[command]
        assert page == parser.format_help()
        assert page.startswith("usage: pmemail") and "show this help message and exit" in page
    assert "Host your office's mail" in _help(capsys, "--lang", "en")


def test_missing_argument_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's error line reads French, the usage line too; exit code 2 as before."""
    with pytest.raises(SystemExit) as done:
        main(["--lang", "fr", "users", "add"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : pmemail users add")
    assert "pmemail users add : erreur : arguments obligatoires manquants : address" in err
    with pytest.raises(SystemExit):
        main(["users", "protocol", "marie", "smtp", "--lang", "fr"])
    err = capsys.readouterr().err
    assert "argument protocol : choix non valable : 'smtp' (au choix : 'imap', 'pop3')" in err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "users", "add"])
    assert "error: the following arguments are required: address" in capsys.readouterr().err


def test_error_lines_unknown_to_the_catalogue_stay() -> None:
    assert french_error("argument --to: expected one argument") == (
        "argument --to : un argument attendu"
    )
    assert french_error("something argparse never said") == "something argparse never said"


def _pmemail(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "pmemail", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "LC_MESSAGES": "", **env},
    )


def test_lang_from_environment_through_the_entry_point(tmp_path: Path) -> None:
    """``LANG=fr_BE.UTF-8 pmemail users add --help`` with no config file: French."""
    missing = str(tmp_path / "none.toml")
    done = _pmemail(
        "users", "add", "--help", env={"LANG": "fr_BE.UTF-8", "PMEMAIL_CONFIG": missing}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("utilisation : pmemail users add")
    english = _pmemail("users", "add", "--help", env={"LANG": "C", "PMEMAIL_CONFIG": missing})
    assert english.stdout.startswith("usage: pmemail users add")


def test_lang_from_config_and_broken_config(tmp_path: Path) -> None:
    """The config's ``language`` decides over LANG; a broken file falls back to LANG."""
    config = tmp_path / "p.toml"
    config.write_text('language = "fr"\n')
    assert run_language(["--config", str(config), "ports"], {"LANG": "C"}) == "fr"
    assert run_language([f"--config={config}", "--lang=en"], {"LANG": "fr_BE"}) == "en"
    assert run_language(["--lang", "fr", "--config", str(config)], {}) == "fr"
    config.write_text('language = "fr"\n[mail\n')  # not TOML
    assert run_language(["--config", str(config)], {"LANG": "fr_BE.UTF-8"}) == "fr"
    assert run_language(["--config", str(config)], {"LANG": "C"}) == "en"
    done = _pmemail("--config", str(config), "ports", "--help", env={"LANG": "fr_BE.UTF-8"})
    assert done.returncode == 0 and done.stdout.startswith("utilisation : pmemail ports")
    config.write_bytes(b"\xff\xfe")  # not UTF-8
    assert run_language(["--config", str(config)], {"LANG": "C"}) == "en"
    assert run_language(["--config", str(tmp_path / "absent.toml")], {"LANG": "fr"}) == "fr"


@pytest.mark.parametrize(("lang", "said"), [("fr", "interrompu"), ("en", "interrupted")])
def test_ctrl_c_is_said_in_the_run_language(
    lang: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during a command: exit 130 and one line in the language of the run."""
    from pmemail.cli import serve_cmd

    def interrupted(_ctx: object, _args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(serve_cmd, "cmd_status", interrupted)
    assert main(["--lang", lang, "status"]) == 130
    assert capsys.readouterr().err == f"pmemail: {said}\n"
