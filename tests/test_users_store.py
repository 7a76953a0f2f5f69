"""UserStore, AuthThrottle and MaildirDelivery: the building blocks others use."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from mailcore.delivery import MaildirDelivery, maildir_path
from mailcore.maildir import make_maildir
from mailcore.password_hashes import verify_password
from mailcore.throttle import AuthThrottle, Busy, Locked
from mailcore.users import UserError, UserStore, normalize_address
from pmemail.config.guards import SecurityConfig
from pmemail.config.paths import DataPaths


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    s = UserStore(tmp_path / "users.sqlite3", ["example.be", "Other.Example"])
    s.add_user("Alice@Example.be", "secret-a")
    s.add_user("bob@example.be", "secret-b", protocol="pop3", display_name="Bob")
    return s


def test_users_case_insensitive_and_protocol(store: UserStore) -> None:
    """Addresses are stored lower-case; protocol is per user."""
    assert store.get("ALICE@example.BE") is not None
    bob = store.get("bob@example.be")
    assert bob is not None and bob.protocol == "pop3" and bob.display_name == "Bob"
    assert [u.address for u in store.list_users()] == ["alice@example.be", "bob@example.be"]
    assert store.local_domains() == {"example.be", "other.example"}


def test_password_hash_is_salted_argon2id(store: UserStore) -> None:
    """Hashes are argon2id (PHC, OWASP parameters) with a per-user salt; never the password."""
    rows = sqlite3.connect(store.db_path).execute("SELECT password FROM users").fetchall()
    hashes = [r[0] for r in rows]
    assert all(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") for h in hashes)
    assert hashes[0].split("$")[4] != hashes[1].split("$")[4]
    assert verify_password("secret-a", hashes[0]) and not verify_password("x", hashes[0])
    assert store.authenticate("alice@example.be", "secret-a") is not None
    assert store.authenticate("alice@example.be", "wrong") is None
    assert store.authenticate("nobody@example.be", "secret-a") is None
    store.set_password("alice@example.be", "new")
    assert store.authenticate("ALICE@example.be", "new") is not None


def test_aliases_catchall_and_ownership(store: UserStore) -> None:
    """Aliases expand (also nested), catch-all takes unknown local parts."""
    store.add_alias("info@example.be", "alice@example.be")
    store.add_alias("info@example.be", "bob@example.be")
    store.add_alias("contact@other.example", "info@example.be")
    assert store.resolve("INFO@example.be") == ["alice@example.be", "bob@example.be"]
    assert store.resolve("contact@other.example") == ["alice@example.be", "bob@example.be"]
    assert store.resolve("nobody@example.be") is None
    assert store.resolve("alice@elsewhere.com") is None
    store.set_catchall("example.be", "alice@example.be")
    assert store.resolve("nobody@example.be") == ["alice@example.be"]
    assert store.owns_address("alice@example.be", "info@example.be")
    assert not store.owns_address("alice@example.be", "bob@example.be")
    assert not store.owns_address("alice@example.be", "nobody@example.be")
    store.remove_alias("info@example.be", "bob@example.be")
    assert store.resolve("info@example.be") == ["alice@example.be"]


@pytest.mark.parametrize(
    "bad",
    [
        "no-at-sign",
        "a%b@example.be",
        "a!b@example.be",
        '"a b"@example.be',
        "a@[127.0.0.1]",
        "a@example.be.",
        "@x:a@example.be",
        "a b@example.be",
        ".a@example.be",
    ],
)
def test_normalize_refuses_tricks(bad: str) -> None:
    """Only plain local@domain addresses are accepted for users and aliases."""
    with pytest.raises(UserError):
        normalize_address(bad)


def test_admin_errors_are_clear(store: UserStore) -> None:
    """Duplicates, foreign domains, unknown users: one clear UserError each."""
    with pytest.raises(UserError, match="already exists"):
        store.add_user("alice@example.be", "x")
    with pytest.raises(UserError, match="not local"):
        store.add_user("carol@gmail.com", "x")
    with pytest.raises(UserError, match="no such user"):
        store.remove_user("carol@example.be")
    with pytest.raises(UserError, match="neither a user nor an alias"):
        store.add_alias("sales@example.be", "carol@example.be")
    with pytest.raises(UserError, match="imap or pop3"):
        store.add_user("carol@example.be", "x", protocol="smtp")  # type: ignore[arg-type]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def fail(t: AuthThrottle, ip: str, user: str) -> None:
    """One wrong password for ``user`` from ``ip``."""
    with t.reserve(ip, user) as attempt:
        await attempt.failed()


async def test_throttle_lock_is_per_pair_and_expires() -> None:
    """A spent pair budget refuses even before the check; other pairs go on; the lock ends."""
    clock = FakeClock()
    sec = SecurityConfig(max_failures=3, lock_seconds=60, failure_delay=0.0)
    t = AuthThrottle(sec, clock=clock)
    for _ in range(3):
        await fail(t, "10.0.0.1", "alice@example.be")
    with pytest.raises(Locked) as info:
        t.reserve("10.0.0.1", "ALICE@example.be")
    assert 59 < info.value.seconds_left <= 60
    t.reserve("10.0.0.1", "bob@example.be").succeeded()  # same NAT address, other user
    t.reserve("10.0.0.2", "alice@example.be").succeeded()
    clock.now += 61
    t.reserve("10.0.0.1", "alice@example.be").succeeded()


async def test_throttle_in_flight_attempts_count() -> None:
    """Slots are taken at reservation: the (max_failures+1)th parallel attempt is refused."""
    t = AuthThrottle(SecurityConfig(max_failures=3, failure_delay=0.0), clock=FakeClock())
    held = [t.reserve("10.0.0.1", "u@example.be") for _ in range(3)]
    with pytest.raises(Locked):
        t.reserve("10.0.0.1", "u@example.be")
    held[0].succeeded()  # a success frees its slot and clears the pair
    t.reserve("10.0.0.1", "u@example.be").succeeded()
    for attempt in held[1:]:
        with attempt:
            pass  # abandoned mid-check (client gone): counts as a failure
    assert t.failures_total == 2


async def test_throttle_parallel_right_passwords_wait_for_a_slot() -> None:
    """A mail client opening more connections at once than max_failures (all with the
    right password) is never refused: each login waits for a slot a success frees."""
    t = AuthThrottle(SecurityConfig(max_failures=3, failure_delay=0.0), clock=FakeClock())

    async def login() -> None:
        attempt = await t.acquire("10.0.0.1", "u@example.be")
        await asyncio.sleep(0.01)  # the password check
        attempt.succeeded()

    await asyncio.gather(*(login() for _ in range(10)))
    assert t.refusals_total == 0 and t.failures_total == 0


async def test_throttle_waiting_logins_are_refused_once_the_checks_fail() -> None:
    """Waiting for a slot gains a guesser nothing: when the running checks fail the
    budget locks, and every login still waiting is refused unchecked."""
    t = AuthThrottle(SecurityConfig(max_failures=3, failure_delay=0.0), clock=FakeClock())
    held = [t.reserve("10.0.0.1", "u@example.be") for _ in range(3)]
    waiting = asyncio.ensure_future(t.acquire("10.0.0.1", "u@example.be"))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    for attempt in held:
        await attempt.failed()
    with pytest.raises(Locked) as info:
        await waiting
    assert not isinstance(info.value, Busy)


async def test_throttle_failure_delay_is_capped() -> None:
    """The wrong-password answer waits base * 2**(n-1), never more than failure_delay_max."""
    sec = SecurityConfig(max_failures=10, failure_delay=1.0, failure_delay_max=3.0)
    t = AuthThrottle(sec, clock=FakeClock())
    delays = []
    for _ in range(4):
        attempt = t.reserve("10.0.0.1", "u@example.be")
        delays.append(t.settle(attempt, ok=False))
    assert delays == [1.0, 2.0, 3.0, 3.0]


async def test_throttle_spraying_and_office_budget() -> None:
    """One address trying many users is capped; the office's addresses have their own budget."""
    sec = SecurityConfig(
        max_failures=3,
        max_failures_per_address=5,
        office_max_failures=10,
        office_max_failures_per_address=50,
        failure_delay=0.0,
    )
    t = AuthThrottle(sec, clock=FakeClock(), office={"192.168.1.9"})
    for i in range(5):
        await fail(t, "203.0.113.7", f"user{i}@example.be")
    with pytest.raises(Locked):
        t.reserve("203.0.113.7", "user9@example.be")
    for _ in range(6):  # more than max_failures, fewer than office_max_failures
        await fail(t, "192.168.1.9", "alice@example.be")
    t.reserve("192.168.1.9", "alice@example.be").succeeded()
    # IPv6 by /64, IPv4-mapped as IPv4
    for i in range(5):
        await fail(t, f"2001:db8::{i + 1}", f"user{i}@example.be")
    with pytest.raises(Locked):
        t.reserve("2001:db8::ffff", "other@example.be")
    with pytest.raises(Locked):
        t.reserve("::ffff:203.0.113.7", "other@example.be")


async def test_maildir_group_commit(tmp_path: Path) -> None:
    """Concurrent deliveries all land in new/ with headers prepended."""
    paths = DataPaths(tmp_path)
    delivery = MaildirDelivery(paths)
    src = tmp_path / "msg"
    src.write_bytes(b"Subject: hi\r\n\r\nbody\r\n")
    boxes = [f"user{i}@example.be" for i in range(5)]
    await asyncio.gather(
        *[delivery.deliver(src, [b], headers=b"X-Test: 1\r\n") for b in boxes for _ in range(4)]
    )
    await delivery.deliver(src, ["user0@example.be"], folder="Sent")
    for box in boxes:
        files = list((maildir_path(paths, box) / "new").iterdir())
        assert len(files) == 4
        assert files[0].read_bytes() == b"X-Test: 1\r\nSubject: hi\r\n\r\nbody\r\n"
        assert files[0].name.endswith(",S=32")
        assert not list((maildir_path(paths, box) / "tmp").iterdir())
    sent = maildir_path(paths, "user0@example.be", "Sent")
    assert [p.name.endswith(":2,S") for p in (sent / "cur").iterdir()] == [True]
    assert (sent / "maildirfolder").exists()
    assert delivery.batches < 21  # batched, not one commit per message
    await delivery.aclose()


async def test_maildir_missing_source_fails_only_that_job(tmp_path: Path) -> None:
    """One failing job in a batch raises for its caller only."""
    delivery = MaildirDelivery(DataPaths(tmp_path))
    good = tmp_path / "good"
    good.write_bytes(b"x\r\n")
    results = await asyncio.gather(
        delivery.deliver(tmp_path / "missing", ["a@example.be"]),
        delivery.deliver(good, ["b@example.be"]),
        return_exceptions=True,
    )
    assert isinstance(results[0], FileNotFoundError) and results[1] is None
    assert not (maildir_path(DataPaths(tmp_path), "a@example.be") / "new").exists()
    delivery.deliver_sync(good, ["b@example.be"])
    assert len(list((maildir_path(DataPaths(tmp_path), "b@example.be") / "new").iterdir())) == 2
    await delivery.aclose()


def test_maildir_path_refuses_escapes(tmp_path: Path) -> None:
    """Nothing outside the mail dir can be addressed."""
    paths = DataPaths(tmp_path)
    for bad in ("../x@example.be", "a@../../etc", "a/b@example.be", "nodomain"):
        with pytest.raises(ValueError):
            maildir_path(paths, bad)
    assert make_maildir(tmp_path / "m").joinpath("new").is_dir()
