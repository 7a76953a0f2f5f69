"""Helpers for the certificate tests: an ACME-looking chain on disk, a handshake, a keeper."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading

import trustme

from mailcore.acme.challenges import ChallengeBoard
from mailcore.certs.keeper import CertificateKeeper
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths


def put_acme_chain(
    paths: DataPaths,
    ca: trustme.CA,
    *names: str,
    not_after: datetime.datetime | None = None,
    key_type: trustme.KeyType = trustme.KeyType.RSA,
) -> trustme.LeafCert:
    """Write a chain issued by ``ca`` where the renewal writes it (fullchain + key, 0600).

    RSA by default: the self-signed certificate is ECDSA, so a swap also
    proves the served key type changes (OpenSSL keeps one per type).
    """
    not_after = not_after or datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=89)
    leaf = ca.issue_cert(
        *names,
        not_before=not_after - datetime.timedelta(days=90),
        not_after=not_after,
        key_type=key_type,
    )
    paths.acme_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths.acme_cert.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    paths.acme_key.write_bytes(leaf.private_key_pem.bytes())
    paths.acme_key.chmod(0o600)
    return leaf


def loaded_keeper(config: Config, paths: DataPaths) -> CertificateKeeper:
    """A keeper with a fresh board, loaded."""
    keeper = CertificateKeeper(config, paths, ChallengeBoard())
    keeper.load()
    return keeper


def handshake(
    server: ssl.SSLContext, server_name: str | None, alpn: list[str] | None = None
) -> tuple[bytes, str | None]:
    """One handshake over a socket pair: the server's certificate (DER) and the ALPN chosen."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE  # what was served is the question, not trust
    if alpn:
        client.set_alpn_protocols(alpn)
    left, right = socket.socketpair()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            with server.wrap_socket(right, server_side=True) as tls:
                tls.recv(1)  # until the client closes
        except (OSError, ssl.SSLError) as err:
            errors.append(err)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(left, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True)
            chosen = tls.selected_alpn_protocol()
    finally:
        left.close()
        thread.join(10)
        right.close()
    assert der is not None, errors
    return der, chosen
