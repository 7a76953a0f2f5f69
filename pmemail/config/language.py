"""Which language pmemail speaks: the one place that decides, for the app and the CLI.

Order: ``--lang`` on the command line, else the config's ``language`` (unless
``auto``), else the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``: ``fr_BE.UTF-8`` or ``fr_FR`` read French), else English.

The rest of the code reads ``config.language`` of the *effective* config
(:func:`effective_config`), always ``en`` or ``fr``; the file keeps what the
admin wrote (``auto`` stays ``auto``), see :func:`as_saved`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final, get_args

from pmemail.config.loader import ConfigError, load_config
from pmemail.config.model import Config, Language

LANGUAGES: Final[tuple[str, ...]] = get_args(Language)
"""The languages pmemail speaks (``auto`` is a setting, not a language)."""

# GNU gettext's LANGUAGE list first, then the POSIX order for messages.
_VARIABLES: Final = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str]) -> Language | None:
    """The language the environment asks for, or None (unset, ``C``, ``POSIX``, other)."""
    for name in _VARIABLES:
        value = environ.get(name, "")
        for entry in value.split(":"):  # LANGUAGE is a priority list: "fr_BE:fr:en"
            code = entry.split(".")[0].split("@")[0].split("_")[0].lower()
            if code == "fr":
                return "fr"
            if code == "en":
                return "en"
        if value:
            # The first variable that is set decides (LC_ALL=C silences LANG=fr_BE).
            return None
    return None


def resolve_language(
    flag: str | None, configured: str, environ: Mapping[str, str] | None = None
) -> Language:
    """The language to speak, from the ``--lang`` flag, the config and the environment.

    Args:
        flag: the ``--lang`` value, None when not given.
        configured: the config's ``language`` (``auto``, ``en`` or ``fr``).
        environ: the environment (``os.environ`` when None).
    """
    for choice in (flag, configured):
        if choice in LANGUAGES:
            return "fr" if choice == "fr" else "en"
    found = environment_language(os.environ if environ is None else environ)
    return found or "en"


def configured_language(path: Path) -> str:
    """The ``language`` of the config file at ``path``; ``auto`` when it is missing or broken.

    For what must speak before a command loads its config (``--help``, argparse's
    errors): a broken file is the command's to report, not a reason to fail here.
    """
    try:
        return load_config(path).language
    except ConfigError:
        return "auto"


def effective_config(
    config: Config, flag: str | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """``config`` with ``language`` resolved to ``en`` or ``fr`` (what every reader uses)."""
    language = resolve_language(flag, config.language, environ)
    return config if language == config.language else dataclasses.replace(config, language=language)


def as_saved(config: Config, configured: str) -> Config:
    """``config`` with the admin's own ``language`` setting back, for writing the file."""
    if configured == config.language:
        return config
    return dataclasses.replace(config, language=configured)  # type: ignore[arg-type]
