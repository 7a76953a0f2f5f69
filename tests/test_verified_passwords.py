"""Logins proven right lately skip argon2id; wrong guesses never do; a changed
password or a removed user ends the shortcut at once (even from another process)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mailcore.users
from mailcore.password_hashes import verify_password
from mailcore.users import UserStore
from mailcore.verified_passwords import VerifiedPasswords

ALICE = "alice@example.be"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The argon2id checks made (the real function still runs)."""
    calls: list[str] = []

    def verify(password: str, stored: str) -> bool:
        calls.append(password)
        return verify_password(password, stored)

    monkeypatch.setattr(mailcore.users, "verify_password", verify)
    return calls


def test_a_second_login_skips_the_slow_check(tmp_path: Path, counted: list[str]) -> None:
    store = UserStore(tmp_path / "users.sqlite3", ["example.be"])
    store.add_user(ALICE, "right-password-1")
    assert store.authenticate(ALICE, "right-password-1") is not None
    assert store.authenticate("Alice@Example.be", "right-password-1") is not None
    assert counted == ["right-password-1"]


def test_wrong_guesses_always_pay_the_full_check(tmp_path: Path, counted: list[str]) -> None:
    store = UserStore(tmp_path / "users.sqlite3", ["example.be"])
    store.add_user(ALICE, "right-password-1")
    assert store.authenticate(ALICE, "right-password-1") is not None
    for guess in ("wrong-1", "wrong-2", "right-password-1 "):
        assert store.authenticate(ALICE, guess) is None
    assert counted == ["right-password-1", "wrong-1", "wrong-2", "right-password-1 "]


def test_a_password_changed_elsewhere_ends_it(tmp_path: Path) -> None:
    server = UserStore(tmp_path / "users.sqlite3", ["example.be"])
    server.add_user(ALICE, "old-password-1")
    assert server.authenticate(ALICE, "old-password-1") is not None
    admin = UserStore(tmp_path / "users.sqlite3", ["example.be"])  # `pmemail users passwd`
    admin.set_password(ALICE, "new-password-2")
    assert server.authenticate(ALICE, "old-password-1") is None
    assert server.authenticate(ALICE, "new-password-2") is not None
    admin.remove_user(ALICE)
    assert server.authenticate(ALICE, "new-password-2") is None


def test_entries_expire_and_stay_bounded() -> None:
    cache = VerifiedPasswords(ttl=-1.0)
    cache.remember(ALICE, "hash-1", "pw")
    assert not cache.matches(ALICE, "hash-1", "pw")  # already expired
    small = VerifiedPasswords(limit=2)
    for name in ("a", "b", "c"):
        small.remember(name, "h", "pw")
    assert not small.matches("a", "h", "pw")
    assert small.matches("b", "h", "pw") and small.matches("c", "h", "pw")
    assert not small.matches("c", "other-hash", "pw")
