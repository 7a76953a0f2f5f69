"""The self-signed certificate served when no other one can be: names always current.

Its names follow the config (the host name first, then the mail domains and
the names mail clients look up), so a wizard or config change of the host
name or a domain gets a new certificate at the next start instead of keeping
``CN=mail.example.be`` for ever. Files are 0600 in a 0700 folder.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mailcore.certs.info import CertInfo
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import atomic_write_bytes, make_private_dir

if TYPE_CHECKING:
    from cryptography import x509

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"
VALID_DAYS = 3650
"""Nobody renews a self-signed certificate: one that outlives the install."""


def self_signed_names(config: Config) -> list[str]:
    """The names the self-signed certificate covers, the host name first (its CN).

    The host name, ``mail.domain`` and ``mail.extra_domains``, the
    ``autoconfig.``/``autodiscover.`` name of each domain (mail clients look
    them up), and ``acme.extra_names``; lower-case, without duplicates.
    """
    domains = [config.mail.domain, *config.mail.extra_domains]
    wanted = [config.mail.hostname, *domains]
    wanted += [f"{prefix}.{d}" for d in domains if d for prefix in ("autoconfig", "autodiscover")]
    wanted += config.acme.extra_names
    names: list[str] = []
    for name in wanted:
        name = name.strip().lower().rstrip(".")
        if name and name not in names:
            names.append(name)
    return names or ["localhost"]  # a config without any name still gets a certificate


def generate_self_signed(
    names: Sequence[str],
    days: int = VALID_DAYS,
    *,
    critical_extensions: Sequence[x509.ExtensionType] = (),
) -> tuple[bytes, bytes]:
    """A self-signed ECDSA P-256 certificate as (cert PEM, key PEM).

    Args:
        names: DNS names; the first is also the subject's common name.
        days: validity from yesterday (a client clock a little behind still accepts it).
        critical_extensions: more extensions, marked critical (the TLS-ALPN-01
            validation certificate's acmeIdentifier).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    for extension in critical_extensions:
        builder = builder.add_extension(extension, critical=True)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def ensure_self_signed(config: Config, paths: DataPaths) -> tuple[Path, Path]:
    """``tls_dir/cert.pem`` and ``key.pem``, (re)generated unless they fit the config.

    Kept when the certificate names exactly :func:`self_signed_names` (host
    name as CN), is valid now and the key is its own; otherwise a new pair
    replaces both files.

    Raises:
        OSError: the folder or the files cannot be written.
    """
    names = self_signed_names(config)
    cert_path, key_path = paths.tls_dir / CERT_NAME, paths.tls_dir / KEY_NAME
    if _fits(cert_path, key_path, names):
        return cert_path, key_path
    make_private_dir(paths.tls_dir)
    cert_pem, key_pem = generate_self_signed(names)
    # key first: a crash between the two writes leaves a pair _fits() rejects
    atomic_write_bytes(key_path, key_pem, 0o600)
    atomic_write_bytes(cert_path, cert_pem, 0o600)
    return cert_path, key_path


def _fits(cert_path: Path, key_path: Path, names: list[str]) -> bool:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert_pem = cert_path.read_bytes()
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        info = CertInfo.from_pem(cert_pem)
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (OSError, ValueError, TypeError):
        return False
    same_key = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return (
        same_key
        and info.subject == names[0]
        and sorted(info.names) == sorted(names)
        and info.valid_at(time.time())
    )
