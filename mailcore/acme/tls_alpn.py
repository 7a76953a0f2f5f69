"""TLS-ALPN-01 (RFC 8737): the validation certificate and the challenge answer.

The ``acme`` library (5.x) parses a ``tls-alpn-01`` challenge as an
``UnrecognizedChallenge`` and no longer ships its classes, so the two parts
it would give are here: the self-signed certificate the validator must see
for the name, and the response (an empty JSON object, like every RFC 8555
challenge answer) posted with the library's own ``answer_challenge``.
"""

from __future__ import annotations

import hashlib

from acme import challenges
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from josepy.b64 import b64encode
from josepy.jwk import JWK

from mailcore.certs.selfsigned import generate_self_signed

TLS_ALPN_01 = "tls-alpn-01"
VALIDATION_DAYS = 7  # the certificate lives for one validation: days are plenty
ACME_IDENTIFIER_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.31")
"""id-pe-acmeIdentifier (RFC 8737 §6.1)."""


class TlsAlpn01Response(challenges.KeyAuthorizationChallengeResponse):
    """The answer to a ``tls-alpn-01`` challenge: ``{}`` on the wire.

    Not registered with the library's type table: it is only ever sent,
    and the parent class leaves the key authorization out of the JSON.
    """

    typ = TLS_ALPN_01


def key_authorization(token: str, account_key: JWK) -> str:
    """``token || '.' || base64url(SHA-256 JWK thumbprint)`` (RFC 8555 §8.1)."""
    thumbprint = account_key.public_key().thumbprint(hash_function=hashes.SHA256)
    return f"{token}.{b64encode(thumbprint).decode()}"


def validation_certificate(name: str, key_authz: str) -> tuple[bytes, bytes]:
    """The certificate (PEM) and key (PEM) a validator must get for ``name``.

    Self-signed, its only SAN the name, and the critical acmeIdentifier
    extension holding the DER OCTET STRING of SHA-256(key authorization).
    """
    digest = hashlib.sha256(key_authz.encode("ascii")).digest()
    # OCTET STRING tag 0x04, length 32, then the digest
    identifier = x509.UnrecognizedExtension(ACME_IDENTIFIER_OID, b"\x04\x20" + digest)
    return generate_self_signed([name], VALIDATION_DAYS, critical_extensions=[identifier])
