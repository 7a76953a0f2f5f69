"""What an admin types for a user: the address (a bare name gets the domain) and the
one password policy the CLI, the wizard and the dashboard share.

The policy: at least :data:`MIN_LENGTH` characters, not the address (nor its
part before @), not one of the :data:`COMMON` passwords. The user store
itself accepts any non-empty password (tests and migrated stores rely on
it); every entry point for people goes through :func:`check_password`.
Problems are :class:`EntryProblem` with an id of
:mod:`pmemail.app.user_entry_texts` and its parameters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MIN_LENGTH: Final = 8
# The most used passwords of at least 8 characters (English, French, Dutch
# offices): a short list, enough to refuse what an attacker tries first.
COMMON: Final = frozenset(
    {
        "00000000",
        "11111111",
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "11223344",
        "abc12345",
        "abcd1234",
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p@ssw0rd",
        "qwertyui",
        "qwerty123",
        "qwertyuiop",
        "azertyui",
        "azerty123",
        "azertyuiop",
        "motdepasse",
        "wachtwoord",
        "bonjour1",
        "soleil123",
        "iloveyou",
        "sunshine",
        "football",
        "baseball",
        "welcome1",
        "letmein1",
        "changeme",
        "admin123",
        "trustno1",
        "superman",
        "princess",
    }
)
_LOCAL_RE = re.compile(r"^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*$")


class EntryProblem(ValueError):
    """What is wrong with an entry: ``msgid`` of the catalogue and its ``params``."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


def user_address(entry: str, domain: str) -> str:
    """The address for what was typed: ``marie`` → ``marie@<domain>``; lower-cased.

    Only the part before @ is checked here (the store checks the rest, and
    whether the domain is local).

    Raises:
        EntryProblem: empty, non-ASCII letters, or characters no address takes.
    """
    text = entry.strip().lower()
    if not text:
        raise EntryProblem("address.empty", domain=domain)
    local, sep, rest = text.rpartition("@")
    if not sep:
        local, rest = text, domain
    if not local.isascii():
        raise EntryProblem("address.non_ascii", local=local, suggestion=_plain(local) + "@" + rest)
    if not _LOCAL_RE.match(local):
        raise EntryProblem("address.invalid_local", local=local)
    return f"{local}@{rest}"


def _plain(local: str) -> str:
    """``andré`` → ``andre``: the accents dropped, what is left kept if it is an address."""
    folded = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    folded = re.sub(r"[^a-z0-9._+-]", "", folded).strip(".")
    return folded or "marie"


def check_password(address: str, password: str) -> None:
    """Apply the policy to ``password`` for ``address``.

    Raises:
        EntryProblem: empty, shorter than :data:`MIN_LENGTH`, the address, or common.
    """
    if not password:
        raise EntryProblem("password.empty")
    if len(password) < MIN_LENGTH:
        raise EntryProblem("password.short", minimum=str(MIN_LENGTH), length=str(len(password)))
    folded = password.strip().casefold()
    address = address.strip().casefold()
    if folded in (address, address.partition("@")[0]):
        raise EntryProblem("password.is_address")
    if folded in COMMON:
        raise EntryProblem("password.common")
