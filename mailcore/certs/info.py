"""The facts of a certificate that an admin and a client check: names, issuer, dates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CertInfo:
    """One certificate (the leaf of a chain), as the status shows it."""

    subject: str
    issuer: str
    names: tuple[str, ...]
    not_before: float
    not_after: float
    fingerprint_sha256: str
    self_signed: bool

    @classmethod
    def from_pem(cls, pem: bytes) -> CertInfo:
        """The first certificate of a PEM chain.

        Raises:
            ValueError: ``pem`` holds no readable certificate.
        """
        from cryptography import x509

        return cls.from_x509(x509.load_pem_x509_certificate(pem))

    @classmethod
    def from_der(cls, der: bytes) -> CertInfo:
        """A DER certificate (``SSLSocket.getpeercert(binary_form=True)``)."""
        from cryptography import x509

        return cls.from_x509(x509.load_der_x509_certificate(der))

    @classmethod
    def from_x509(cls, cert: object) -> CertInfo:
        """A ``cryptography.x509.Certificate``."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        assert isinstance(cert, x509.Certificate)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = tuple(str(n).lower() for n in san.value.get_values_for_type(x509.DNSName))
        except x509.ExtensionNotFound:
            names = ()
        digest = cert.fingerprint(hashes.SHA256())
        return cls(
            subject=_common_name(cert.subject),
            issuer=_common_name(cert.issuer),
            names=names,
            not_before=cert.not_valid_before_utc.timestamp(),
            not_after=cert.not_valid_after_utc.timestamp(),
            fingerprint_sha256=":".join(f"{b:02X}" for b in digest),
            self_signed=cert.issuer == cert.subject,
        )

    def covers(self, name: str) -> bool:
        """True when ``name`` matches one of the names (a ``*.`` wildcard covers one label)."""
        name = name.lower().rstrip(".")
        for pattern in self.names:
            if pattern == name:
                return True
            if pattern.startswith("*.") and name.split(".", 1)[-1] == pattern[2:]:
                return "." in name
        return False

    def valid_at(self, when: float) -> bool:
        """True when ``when`` (epoch seconds) is within the validity period."""
        return self.not_before <= when < self.not_after


def _common_name(name: object) -> str:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    assert isinstance(name, x509.Name)
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attrs = name.get_attributes_for_oid(oid)
        if attrs:
            return str(attrs[0].value)
    return name.rfc4514_string()
