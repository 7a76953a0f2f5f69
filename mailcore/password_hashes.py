"""Password hashes: argon2id in PHC format, and the scrypt of earlier versions.

Only the hash formats live here; ``users`` stores them and ``password_checks``
runs the (deliberately slow) checks off the event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import argon2

# argon2id at OWASP's current minimum (Password Storage Cheat Sheet): 19 MiB,
# 2 passes, 1 lane; ~40 ms a hash. Stored in PHC format ("$argon2id$v=19$m=...")
# which Dovecot reads as {ARGON2ID}. Hashes made with other parameters (or the
# scrypt of earlier versions) still verify and are replaced at the next login.
ARGON2_MEMORY_KIB, ARGON2_TIME, ARGON2_LANES = 19 * 1024, 2, 1
_HASHER = argon2.PasswordHasher(
    time_cost=ARGON2_TIME,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_LANES,
    type=argon2.Type.ID,
)
_SCRYPT_MAX_N = 2**20  # a stored legacy hash cannot make verification take gigabytes


def _secret(password: str) -> bytes:
    # A client's raw bytes, as sent: protocol readers decode with surrogateescape.
    return password.encode("utf-8", "surrogateescape")


def hash_password(password: str) -> str:
    """An argon2id hash in PHC format (``$argon2id$v=19$m=19456,t=2,p=1$salt$key``)."""
    return _HASHER.hash(_secret(password))


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches an encoded hash: argon2 (PHC) or legacy scrypt."""
    if encoded.startswith("$argon2"):
        try:
            return _HASHER.verify(encoded, _secret(password))
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False  # a wrong password, or a damaged hash
    return _verify_scrypt(password, encoded)


def needs_rehash(encoded: str) -> bool:
    """Whether a stored hash is below the current scheme or parameters."""
    if not encoded.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(encoded)
    except (argon2.exceptions.InvalidHashError, ValueError):
        return True


def _verify_scrypt(password: str, encoded: str) -> bool:
    """Hashes of earlier versions: ``scrypt$N$r$p$salt$key`` (base64 parts)."""
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt" or not 1 < int(n) <= _SCRYPT_MAX_N:
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(
            _secret(password),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=256 * int(n) * int(r) + 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)
