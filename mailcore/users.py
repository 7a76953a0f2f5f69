"""The user store: users, aliases and catch-alls in SQLite (hashes: ``password_hashes``).

Addresses are case-insensitive and stored lower-case. An alias maps one
address to one or more targets (local users or other aliases); a catch-all
maps every unknown local part of a domain to one target. Each thread keeps
one SQLite connection (opening one per lookup cost more than the lookup, and
the SMTP server resolves every RCPT); every statement runs in its own short
transaction, so the CLI and ``pmemail serve`` still see each other's changes
at once.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from mailcore.interfaces import AccessProtocol, User
from mailcore.password_hashes import hash_password, needs_rehash, verify_password
from mailcore.verified_passwords import VerifiedPasswords
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir

_MAX_ALIAS_DEPTH = 8
PROTOCOLS: tuple[AccessProtocol, ...] = ("imap", "pop3")

# Deliberately narrow: dot-atom local parts and DNS names. Anything a relay trick
# needs (%, !, @, quotes, spaces, brackets, ':') is outside this set.
_LOCAL_RE = re.compile(r"^[a-z0-9!#$&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
    r"|^localhost$"
)
_FORBIDDEN_LOCAL = set("%!/")

log = logging.getLogger("pmemail.users")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    address TEXT PRIMARY KEY, password TEXT NOT NULL,
    protocol TEXT NOT NULL, display_name TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS aliases (
    address TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (address, target));
CREATE TABLE IF NOT EXISTS catchall (domain TEXT PRIMARY KEY, target TEXT NOT NULL);
"""


class UserError(ValueError):
    """A user-store request that cannot be honoured.

    ``str()`` is the English sentence; ``code`` and ``params`` name it for
    the screens that word it in the admin's language (``pmemail.app.user_texts``).
    """

    def __init__(self, message: str, code: str = "", **params: str) -> None:
        """``message`` in English, its id ``code`` and the values it names."""
        super().__init__(message)
        self.code = code
        self.params = params


def normalize_address(address: str) -> str:
    """``address`` lower-cased and checked: a plain ``local@domain``.

    Raises:
        UserError: for anything else (quotes, source routes, %, !, IP literals...).
    """
    addr = address.strip().lower()
    local, sep, domain = addr.rpartition("@")
    if not sep or not local or not domain:
        raise UserError(
            f"not an address: {address!r} (expected local@domain)", "not_address", address=address
        )
    if not _LOCAL_RE.match(local) or _FORBIDDEN_LOCAL & set(local) or len(local) > 64:
        raise UserError(f"invalid local part in {address!r}", "bad_local", address=address)
    if not _DOMAIN_RE.match(domain):
        raise UserError(f"invalid domain in {address!r}", "bad_domain", address=address)
    return f"{local}@{domain}"


def _lookup_key(address: str) -> str | None:
    """``address`` as stored (stripped, lower-case); None when SQLite cannot take it.

    Protocol readers decode client bytes with ``surrogateescape``: a non-UTF-8
    name then holds lone surrogates, which no stored address has and which
    SQLite refuses to bind (UnicodeEncodeError), so it is simply unknown.
    """
    addr = address.strip().lower()
    try:
        addr.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return addr


# A hash computed once so unknown users cost the same time as known ones.
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class Alias:
    """One alias row (an address may have several targets)."""

    address: str
    target: str


class UserStore:
    """SQLite-backed implementation of ``mailcore.interfaces.UserDirectory``."""

    def __init__(self, db_path: Path, domains: Iterable[str]) -> None:
        """Open (creating if needed) the store at ``db_path``.

        Args:
            db_path: the SQLite file (``DataPaths.users_db``).
            domains: the local domains (``mail.domain`` + ``mail.extra_domains``).
        """
        self.db_path = db_path
        self._domains = {d.strip().lower().rstrip(".") for d in domains if d.strip()}
        self._local = threading.local()
        self._verified = VerifiedPasswords()  # logins proven right lately: no argon2id again
        make_private_dir(db_path.parent)
        with closing(sqlite3.connect(db_path, timeout=10)) as db, db:
            db.executescript(_SCHEMA)
        os.chmod(db_path, 0o600)  # password hashes: owner only

    @classmethod
    def from_config(cls, config: Config, paths: DataPaths) -> UserStore:
        """The store for a ``Config`` and its ``DataPaths``."""
        return cls(paths.users_db, [config.mail.domain, *config.mail.extra_domains])

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, inside a transaction (commit or rollback)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.db_path, timeout=10)
        with db:
            yield db

    def close(self) -> None:
        """Close the calling thread's connection (others close when their thread ends)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            self._local.db = None
            db.close()

    # -- UserDirectory -------------------------------------------------------

    def local_domains(self) -> set[str]:
        """Domains this server delivers for (lower-case)."""
        return set(self._domains)

    def get(self, address: str) -> User | None:
        """A user by address (aliases not followed)."""
        addr = _lookup_key(address)
        if addr is None:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT address, protocol, display_name FROM users WHERE address=?", (addr,)
            ).fetchone()
        return User(row[0], row[1], row[2]) if row else None

    def authenticate(self, address: str, password: str) -> User | None:
        """The user when the password is right, else None (same cost either way)."""
        global _DUMMY_HASH
        addr = _lookup_key(address)
        row = None
        if addr is not None:
            with self._db() as db:
                row = db.execute(
                    "SELECT address, protocol, display_name, password FROM users WHERE address=?",
                    (addr,),
                ).fetchone()
        if row is None:
            if _DUMMY_HASH is None:
                _DUMMY_HASH = hash_password("dummy")
            verify_password(password, _DUMMY_HASH)
            return None
        if self._verified.matches(row[0], row[3], password):
            return User(row[0], row[1], row[2])
        if not verify_password(password, row[3]):
            return None
        stored = row[3]
        if needs_rehash(stored):
            stored = self._rehash(row[0], stored, password)
        self._verified.remember(row[0], stored, password)
        return User(row[0], row[1], row[2])

    def _rehash(self, address: str, old: str, password: str) -> str:
        """Store ``password`` under the current hash, unless it changed meanwhile;
        the hash stored now as far as this call knows."""
        new = hash_password(password)
        try:
            with self._db() as db:
                # compare-and-set: a `pmemail users passwd` in between wins
                done = db.execute(
                    "UPDATE users SET password=? WHERE address=? AND password=?",
                    (new, address, old),
                )
        except sqlite3.Error as err:  # the login itself succeeded: retry next time
            log.warning("could not upgrade the password hash of %s: %s", address, err)
            return old
        return new if done.rowcount else old

    def resolve(self, address: str) -> list[str] | None:
        """Local mailboxes ``address`` delivers to; None if it is not a local recipient."""
        addr = _lookup_key(address)
        if addr is None:
            return None
        domain = addr.rpartition("@")[2]
        if domain not in self._domains:
            return None
        with self._db() as db:
            found = self._expand(db, addr, 0)
            if found is None:
                row = db.execute("SELECT target FROM catchall WHERE domain=?", (domain,)).fetchone()
                found = self._expand(db, row[0], 0) if row else None
        return sorted(set(found)) if found else None

    def _expand(self, db: sqlite3.Connection, addr: str, depth: int) -> list[str] | None:
        if db.execute("SELECT 1 FROM users WHERE address=?", (addr,)).fetchone():
            return [addr]
        targets = [r[0] for r in db.execute("SELECT target FROM aliases WHERE address=?", (addr,))]
        if not targets or depth >= _MAX_ALIAS_DEPTH:  # depth guards alias loops
            return None
        out: list[str] = []
        for target in targets:
            out.extend(self._expand(db, target, depth + 1) or [])
        return out or None

    def owns_address(self, user: str, address: str) -> bool:
        """Whether ``user`` may send as ``address`` (itself or an alias that reaches it)."""
        user, addr = user.strip().lower(), address.strip().lower()
        if addr == user:
            return True
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE address=?", (addr,)).fetchone():
                return False  # another user's own address: never
            return user in (self._expand(db, addr, 0) or [])

    # -- administration (the CLI) -------------------------------------------

    def check_local(self, address: str) -> str:
        """``address`` normalised; raises UserError unless it is in a local domain."""
        addr = normalize_address(address)
        if addr.rpartition("@")[2] not in self._domains:
            local = ", ".join(sorted(self._domains))
            raise UserError(
                f"{addr}: domain is not local (local: {local})",
                "not_local",
                address=addr,
                local=local,
            )
        return addr

    def add_user(
        self, address: str, password: str, protocol: AccessProtocol = "imap", display_name: str = ""
    ) -> User:
        """Create a user; raises UserError if it exists or is invalid."""
        addr = self.check_local(address)
        if protocol not in PROTOCOLS:
            raise UserError(
                f"protocol must be imap or pop3, not {protocol!r}",
                "bad_protocol",
                protocol=protocol,
            )
        if not password:
            raise UserError("empty password", "empty_password")
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE address=?", (addr,)).fetchone():
                raise UserError(f"{addr} already exists", "exists", address=addr)
            if db.execute("SELECT 1 FROM aliases WHERE address=?", (addr,)).fetchone():
                raise UserError(
                    f"{addr} is an alias; remove the alias first", "is_alias", address=addr
                )
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?)",
                (addr, hash_password(password), protocol, display_name),
            )
        return User(addr, protocol, display_name)

    def set_password(self, address: str, password: str) -> None:
        """Change a user's password; raises UserError for an unknown user."""
        if not password:
            raise UserError("empty password", "empty_password")
        with self._db() as db:
            cur = db.execute(
                "UPDATE users SET password=? WHERE address=?",
                (hash_password(password), address.strip().lower()),
            )
        if cur.rowcount == 0:
            raise UserError(f"no such user: {address}", "no_user", address=address)

    def set_protocol(self, address: str, protocol: AccessProtocol) -> None:
        """Switch a user between IMAP and POP3."""
        if protocol not in PROTOCOLS:
            raise UserError(
                f"protocol must be imap or pop3, not {protocol!r}",
                "bad_protocol",
                protocol=protocol,
            )
        with self._db() as db:
            cur = db.execute(
                "UPDATE users SET protocol=? WHERE address=?", (protocol, address.strip().lower())
            )
        if cur.rowcount == 0:
            raise UserError(f"no such user: {address}", "no_user", address=address)

    def remove_user(self, address: str) -> None:
        """Delete a user and the alias rows pointing at it (its Maildir stays)."""
        addr = address.strip().lower()
        with self._db() as db:
            cur = db.execute("DELETE FROM users WHERE address=?", (addr,))
            if cur.rowcount == 0:
                raise UserError(f"no such user: {address}", "no_user", address=address)
            db.execute("DELETE FROM aliases WHERE target=?", (addr,))
            db.execute("DELETE FROM catchall WHERE target=?", (addr,))

    def list_users(self) -> list[User]:
        """Every user, sorted by address."""
        with self._db() as db:
            rows = db.execute(
                "SELECT address, protocol, display_name FROM users ORDER BY address"
            ).fetchall()
        return [User(a, p, n) for a, p, n in rows]

    def add_alias(self, address: str, target: str) -> Alias:
        """Make ``address`` deliver to ``target`` (a local user or alias)."""
        addr, tgt = self.check_local(address), self.check_local(target)
        if addr == tgt:
            raise UserError("an alias cannot point to itself", "alias_self")
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE address=?", (addr,)).fetchone():
                raise UserError(f"{addr} is a user, not an alias", "is_user", address=addr)
            if self._expand(db, tgt, 0) is None:
                raise UserError(f"{tgt} is neither a user nor an alias", "no_target", address=tgt)
            db.execute("INSERT OR IGNORE INTO aliases VALUES (?, ?)", (addr, tgt))
        return Alias(addr, tgt)

    def remove_alias(self, address: str, target: str | None = None) -> None:
        """Remove an alias (every target, or only ``target``)."""
        addr = address.strip().lower()
        with self._db() as db:
            if target is None:
                cur = db.execute("DELETE FROM aliases WHERE address=?", (addr,))
            else:
                cur = db.execute(
                    "DELETE FROM aliases WHERE address=? AND target=?",
                    (addr, target.strip().lower()),
                )
        if cur.rowcount == 0:
            raise UserError(f"no such alias: {address}", "no_alias", address=address)

    def list_aliases(self) -> list[Alias]:
        """Every alias row, sorted."""
        with self._db() as db:
            rows = db.execute(
                "SELECT address, target FROM aliases ORDER BY address, target"
            ).fetchall()
        return [Alias(a, t) for a, t in rows]

    def set_catchall(self, domain: str, target: str | None) -> None:
        """Route unknown local parts of ``domain`` to ``target`` (None removes it)."""
        dom = domain.strip().lower().lstrip("@")
        if dom not in self._domains:
            raise UserError(f"{dom}: domain is not local", "not_local_domain", domain=dom)
        with self._db() as db:
            if target is None:
                db.execute("DELETE FROM catchall WHERE domain=?", (dom,))
                return
            tgt = self.check_local(target)
            if self._expand(db, tgt, 0) is None:
                raise UserError(f"{tgt} is neither a user nor an alias", "no_target", address=tgt)
            db.execute("INSERT OR REPLACE INTO catchall VALUES (?, ?)", (dom, tgt))

    def catchalls(self) -> dict[str, str]:
        """Catch-all target per domain."""
        with self._db() as db:
            return dict(db.execute("SELECT domain, target FROM catchall ORDER BY domain"))

    def password_hashes(self) -> dict[str, str]:
        """Every user's stored hash by address (the hand-over to Dovecot reads them)."""
        with self._db() as db:
            return dict(db.execute("SELECT address, password FROM users ORDER BY address"))
