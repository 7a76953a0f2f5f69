"""Passwords recently proven right, so a client's next login skips argon2id.

Mail clients log in again and again: Thunderbird opens up to five IMAP
connections, phones reconnect at every network change, and each login would
cost one argon2id check (19 MiB and tens of milliseconds, on purpose). Like
Dovecot's auth cache, a successful check is remembered for a while: the next
login with the same password against the same stored hash is answered from a
keyed SHA-256, which costs microseconds.

What keeps this safe:

* only successes are remembered: a wrong guess never matches and still pays
  the full argon2id check, so guessing is not made any cheaper;
* the entry is bound to the stored hash it was checked against: a password
  changed or a user removed (even by another process) ends it at once;
* the key is random per process and never written anywhere; entries expire
  after ``TTL`` seconds and at most ``LIMIT`` are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict

TTL = 3600.0
"""Seconds a proven password is remembered (Dovecot's ``auth_cache_ttl`` default)."""
LIMIT = 1000
"""Entries kept at most (the oldest goes first)."""


class VerifiedPasswords:
    """Recent successful password checks, by address (thread-safe)."""

    def __init__(self, ttl: float = TTL, limit: int = LIMIT) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl
        self._limit = limit
        self._entries: OrderedDict[str, tuple[str, bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, address: str, stored: str, password: str) -> bytes:
        message = b"\0".join(
            s.encode("utf-8", "surrogatepass") for s in (address, stored, password)
        )
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def matches(self, address: str, stored: str, password: str) -> bool:
        """Whether ``password`` was proven right for ``address`` with hash ``stored``."""
        with self._lock:
            entry = self._entries.get(address)
        if entry is None:
            return False
        kept_stored, digest, expires = entry
        if kept_stored != stored or time.monotonic() > expires:
            self.forget(address)
            return False
        return hmac.compare_digest(digest, self._digest(address, stored, password))

    def remember(self, address: str, stored: str, password: str) -> None:
        """Record a successful check of ``password`` against the hash ``stored``."""
        entry = (stored, self._digest(address, stored, password), time.monotonic() + self._ttl)
        with self._lock:
            self._entries[address] = entry
            self._entries.move_to_end(address)
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)

    def forget(self, address: str) -> None:
        """Drop what is remembered of ``address``."""
        with self._lock:
            self._entries.pop(address, None)
