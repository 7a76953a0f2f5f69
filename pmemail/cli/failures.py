"""Turning a library's expected failures into a command's one-line error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pmemail.cli.context import CommandError


@contextmanager
def failures_as(*errors: type[Exception], exit_code: int = 2, prefix: str = "") -> Iterator[None]:
    """Re-raise ``errors`` raised in the block as :class:`CommandError`.

    Args:
        *errors: the exception types whose message is fit for the user.
        exit_code: the command's exit code for them.
        prefix: put before the message (e.g. ``"alias add: "``).

    Raises:
        CommandError: one of ``errors`` was raised in the block.
    """
    try:
        yield
    except errors as err:
        raise CommandError(f"{prefix}{err}", exit_code=exit_code) from None
