"""The ACME account: its key on disk (JWK JSON, 0600) and finding or creating it at the CA.

One key for the life of the installation: the CA knows the account by it
(RFC 8555 §7.3.1 finds an existing account from the key alone), so a
restart, a lost state file or a new certificate never makes a new account.
"""

from __future__ import annotations

import logging
from pathlib import Path

from acme import client, errors, messages
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from josepy.errors import DeserializationError
from josepy.jwa import ES256, RS256, JWASignature
from josepy.jwk import JWK, JWKEC, JWKRSA

from pmemail.fsutil import atomic_write_bytes, make_private_dir

log = logging.getLogger("pmemail.acme")


def load_account_key(path: Path) -> JWK:
    """The account key at ``path``; a new EC P-256 key is made and saved when there is none.

    A file that cannot be read as a key is kept aside (``.broken``) rather
    than overwritten: an admin may want it back.
    """
    make_private_dir(path.parent, tighten=True)
    try:
        return JWK.json_loads(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError, DeserializationError) as exc:
        log.warning("acme: unreadable account key %s (%s); a new one is made", path, exc)
        path.replace(path.with_name(path.name + ".broken"))
    key = JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
    atomic_write_bytes(path, key.json_dumps(indent=1).encode())
    return key


def signing_algorithm(key: JWK) -> JWASignature:
    """ES256 for a P-256 key (ours), RS256 for an RSA key (an older or imported one)."""
    if isinstance(key, JWKRSA) or isinstance(key.key, rsa.RSAPrivateKey):
        return RS256
    return ES256


def register(acme: client.ClientV2, contact: str) -> messages.RegistrationResource:
    """Find the key's account at the CA, or create it (terms of service agreed).

    A CA that refuses the contact address (``invalidContact``: e.g. a
    reserved domain) gets an account without one: the contact is for the
    CA's notices, never a reason to go without a certificate.
    """
    try:
        return _new_or_existing(acme, contact or None)
    except messages.Error as exc:
        if not contact or exc.code != "invalidContact":
            raise
        log.info("acme: contact refused by the CA contact=%s detail=%s", contact, exc.detail)
    return _new_or_existing(acme, None)


def _new_or_existing(acme: client.ClientV2, email: str | None) -> messages.RegistrationResource:
    registration = messages.NewRegistration.from_data(email=email, terms_of_service_agreed=True)
    try:
        return acme.new_account(registration)
    except errors.ConflictError as conflict:
        # the key has an account already: the CA answered with its URL (RFC 8555 §7.3.1)
        found = messages.RegistrationResource(uri=conflict.location, body=messages.Registration())
        acme.net.account = found
        return found
