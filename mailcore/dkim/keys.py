"""DKIM keys on disk: ``<root>/<domain>/<selector>.key`` (RSA 2048, PEM, 0600).

``<root>/<domain>/current`` names the selector in use, so a rotation is one
atomic rename: the new key signs from then on while the old one stays (its
DNS record must stay published until the mail it signed has been read).
A selector pinned in the config (``dkim.selector``) wins over ``current``.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pmemail.fsutil import atomic_write_bytes, make_private_dir

KEY_BITS = 2048
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DOMAIN = re.compile(r"^[a-z0-9.-]{1,253}$")


class DkimKeyError(Exception):
    """A DKIM key that cannot be read or made (message shown as is)."""


def selector_for(now: float) -> str:
    """A date-based selector: ``pm`` then year and month (``pm202612``)."""
    return "pm" + time.strftime("%Y%m", time.gmtime(now))


class DkimKeys:
    """The DKIM keys of every mail domain under one directory."""

    def __init__(self, root: Path, pinned: str = "") -> None:
        """Keys under ``root``; ``pinned`` = ``dkim.selector`` ("" = each domain's current)."""
        self.root = root
        self.pinned = pinned.strip().lower()

    def _dir(self, domain: str) -> Path:
        domain = domain.strip().lower().rstrip(".")
        if not _DOMAIN.match(domain) or ".." in domain or domain.startswith("."):
            raise DkimKeyError(f"not a domain name: {domain!r}")
        return self.root / domain

    def key_path(self, domain: str, selector: str) -> Path:
        """Where the private key of ``selector`` for ``domain`` lives."""
        if not _LABEL.match(selector):
            raise DkimKeyError(f"not a DKIM selector: {selector!r}")
        return self._dir(domain) / f"{selector}.key"

    def selector(self, domain: str) -> str:
        """The selector signing for ``domain`` now ("" = no key yet)."""
        if self.pinned:
            return self.pinned if self.key_path(domain, self.pinned).exists() else ""
        try:
            name = (self._dir(domain) / "current").read_text().strip()
        except OSError:
            return ""
        return name if _LABEL.match(name) and self.key_path(domain, name).exists() else ""

    def selectors(self, domain: str) -> list[str]:
        """Every selector with a key for ``domain``, sorted."""
        d = self._dir(domain)
        return sorted(p.stem for p in d.glob("*.key")) if d.is_dir() else []

    def ensure(self, domain: str, now: float | None = None) -> str:
        """The current selector of ``domain``, making its first key when there is none."""
        current = self.selector(domain)
        if current:
            return current
        name = self.pinned or selector_for(time.time() if now is None else now)
        if not self.key_path(domain, name).exists():
            self._generate(domain, name)
        if not self.pinned:
            self._set_current(domain, name)
        return name

    def rotate(self, domain: str, now: float | None = None) -> str:
        """Make a new key under a new selector and sign with it from now on.

        The old keys are kept. With ``dkim.selector`` pinned in the config the
        new selector signs only once the config names it.
        """
        now = time.time() if now is None else now
        existing = set(self.selectors(domain))
        base = selector_for(now)
        name = base
        if name in existing:
            name = "pm" + time.strftime("%Y%m%d", time.gmtime(now))
        suffix = 1
        while name in existing:
            suffix += 1
            name = "pm" + time.strftime("%Y%m%d", time.gmtime(now)) + f"n{suffix}"
        self._generate(domain, name)
        self._set_current(domain, name)
        return name

    def private_pem(self, domain: str, selector: str) -> bytes:
        """The private key (PKCS#1 PEM).

        Raises:
            DkimKeyError: missing or unreadable.
        """
        try:
            return self.key_path(domain, selector).read_bytes()
        except OSError as err:
            raise DkimKeyError(f"cannot read the DKIM key of {domain} ({selector}): {err}") from err

    def public_txt(self, domain: str, selector: str) -> str:
        """The TXT value to publish at ``<selector>._domainkey.<domain>``."""
        try:
            key = serialization.load_pem_private_key(self.private_pem(domain, selector), None)
        except ValueError as err:
            raise DkimKeyError(f"the DKIM key of {domain} ({selector}) is damaged") from err
        if not isinstance(key, rsa.RSAPrivateKey):
            raise DkimKeyError(f"the DKIM key of {domain} ({selector}) is not RSA")
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"

    def _generate(self, domain: str, selector: str) -> None:
        path = self.key_path(domain, selector)
        make_private_dir(path.parent)
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,  # PKCS#1: what dkimpy parses
            serialization.NoEncryption(),
        )
        atomic_write_bytes(path, pem, 0o600)

    def _set_current(self, domain: str, selector: str) -> None:
        atomic_write_bytes(self._dir(domain) / "current", selector.encode() + b"\n", 0o600)
