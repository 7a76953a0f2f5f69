"""Password hashes of earlier versions (scrypt, weaker argon2) verify, then are upgraded
to argon2id at OWASP's parameters on the next successful login."""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
from pathlib import Path

import argon2
import pytest

from mailcore.password_hashes import needs_rehash, verify_password
from mailcore.users import UserStore

CURRENT = "$argon2id$v=19$m=19456,t=2,p=1$"


def _scrypt_hash(password: str, n: int = 2**14) -> str:
    """A hash as pmemail stored them before argon2id."""
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}$8$1${b64(salt).decode()}${b64(key).decode()}"


def _weak_argon2(password: str) -> str:
    return argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    s = UserStore(tmp_path / "users.sqlite3", ["example.be"])
    s.add_user("alice@example.be", "placeholder")
    return s


def _stored(store: UserStore) -> str:
    db = sqlite3.connect(store.db_path)
    row = db.execute("SELECT password FROM users WHERE address='alice@example.be'").fetchone()
    db.close()
    return str(row[0])


def _store_hash(store: UserStore, encoded: str) -> None:
    with sqlite3.connect(store.db_path) as db:
        db.execute("UPDATE users SET password=? WHERE address='alice@example.be'", (encoded,))


@pytest.mark.parametrize("old", [_scrypt_hash, _weak_argon2], ids=["scrypt", "argon2_weak"])
def test_old_hash_verifies_and_is_upgraded_at_login(store: UserStore, old: object) -> None:
    """The right password logs in with the old hash and leaves a current one behind."""
    assert callable(old)
    _store_hash(store, old("s3cret"))
    assert needs_rehash(_stored(store))
    assert store.authenticate("alice@example.be", "wrong") is None
    assert not _stored(store).startswith(CURRENT)  # a wrong password changes nothing
    assert store.authenticate("alice@example.be", "s3cret") is not None
    upgraded = _stored(store)
    assert upgraded.startswith(CURRENT) and not needs_rehash(upgraded)
    assert store.authenticate("alice@example.be", "s3cret") is not None
    assert _stored(store) == upgraded  # current hashes are left alone


def test_new_hashes_are_current(store: UserStore) -> None:
    store.set_password("alice@example.be", "pw")
    assert _stored(store).startswith(CURRENT) and not needs_rehash(_stored(store))


def test_upgrade_does_not_overwrite_a_password_changed_meanwhile(store: UserStore) -> None:
    """The upgrade is compare-and-set on the old hash: a concurrent `passwd` wins."""
    old = _scrypt_hash("s3cret")
    store.set_password("alice@example.be", "changed")
    changed = _stored(store)
    store._rehash("alice@example.be", old, "s3cret")
    assert _stored(store) == changed


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "garbage",
        "$argon2id$v=19$m=19456,t=2,p=1$bad",
        "scrypt$1$8$1$AA==$AA==",
        f"scrypt${2**30}$8$1$AA==$AA==",
        "scrypt$x$8$1$AA==$AA==",
    ],
)
def test_damaged_hashes_never_verify(encoded: str) -> None:
    """Corrupt or absurd stored hashes are a failed login, never an exception or a hog."""
    assert verify_password("pw", encoded) is False


def test_non_utf8_password_verifies_without_error(store: UserStore) -> None:
    """Raw client bytes (decoded with surrogateescape) are hashed as sent."""
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")
    store.set_password("alice@example.be", raw)
    assert store.authenticate("alice@example.be", raw) is not None
    assert store.authenticate("alice@example.be", "café") is None
