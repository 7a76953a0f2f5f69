"""Which certificate every TLS port serves, and swapping it without a restart.

SMTP (25, 587, 465 and the extra submission ports), IMAP, POP3 and HTTPS all
share the one :attr:`CertificateKeeper.context`. Its ``sni_callback`` runs
for every handshake (with or without SNI) and moves the connection onto the
context of the certificate chosen now, or onto the challenge board's
TLS-ALPN-01 context while the CA validates that name.

Why a switch and not ``load_cert_chain`` again on the shared context: OpenSSL
keeps one certificate *per key type* in a context, so loading an RSA chain
over an ECDSA one leaves the ECDSA one served to most clients. A fresh inner
context per certificate serves exactly one chain, and replacing the reference
is atomic: a handshake that already started keeps the context it switched
to, open connections keep their certificate, new handshakes get the new one.

Choice, in order: the admin's ``mail.tls_cert`` (used as is, never written);
the ACME chain in ``DataPaths.acme_cert`` when it loads, is valid now and
covers ``mail.hostname``; the self-signed certificate (regenerated when its
names no longer fit the config).
"""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from mailcore.acme.challenges import ChallengeBoard
from mailcore.certs.info import CertInfo
from mailcore.certs.report import Source, is_trusted
from mailcore.certs.selfsigned import CERT_NAME, KEY_NAME, ensure_self_signed
from mailcore.interfaces import ServiceStartError
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chosen:
    """A certificate ready to serve: its facts, origin, files and a context holding only it."""

    info: CertInfo
    source: Source
    context: ssl.SSLContext
    cert: Path
    key: Path


def new_server_context() -> ssl.SSLContext:
    """A server context with pmemail's settings (TLS 1.2 and later), no certificate yet."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def load_pair(cert: Path, key: Path) -> tuple[ssl.SSLContext, CertInfo]:
    """A fresh context serving ``cert`` (a PEM chain, leaf first) with ``key``.

    Raises:
        OSError: a file cannot be read.
        ssl.SSLError: the key does not match or a file is not PEM.
        ValueError: ``cert`` holds no certificate.
    """
    info = CertInfo.from_pem(cert.read_bytes())
    ctx = new_server_context()
    ctx.load_cert_chain(str(cert), str(key))
    return ctx, info


def choose_certificate(
    config: Config, paths: DataPaths, *, generate: bool = True, skipped: set[str] | None = None
) -> Chosen:
    """The certificate to serve now (see the module docstring for the order).

    Args:
        config: ``mail.tls_cert``/``tls_key`` and the names.
        paths: ``acme_cert``/``acme_key`` and ``tls_dir``.
        generate: write a self-signed pair when the one on disk does not fit;
            False reads what is there (``pmemail cert status`` without a
            server must not create files the server's account cannot replace).
        skipped: messages already logged about an unusable ACME file; each
            is logged once (a renewal check must not repeat it every hour).

    Raises:
        ServiceStartError: "TLS certificate unusable: …" — the admin's
            certificate (or the generated one) cannot be loaded or written.
    """
    if config.mail.tls_cert:
        cert = Path(config.mail.tls_cert).expanduser()
        key = Path(config.mail.tls_key or config.mail.tls_cert).expanduser()
        return _unusable_as_error(cert, key, "user")
    acme = _acme_certificate(config, paths, skipped if skipped is not None else set())
    if acme is not None:
        return acme
    if generate:
        try:
            cert, key = ensure_self_signed(config, paths)
        except OSError as exc:
            raise ServiceStartError(f"TLS certificate unusable: {exc}") from None
    else:
        cert, key = paths.tls_dir / CERT_NAME, paths.tls_dir / KEY_NAME
    return _unusable_as_error(cert, key, "self-signed")


def _unusable_as_error(cert: Path, key: Path, source: Source) -> Chosen:
    try:
        ctx, info = load_pair(cert, key)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ServiceStartError(f"TLS certificate unusable: {exc}") from None
    return Chosen(info, source, ctx, cert, key)


def _acme_certificate(config: Config, paths: DataPaths, skipped: set[str]) -> Chosen | None:
    """The ACME chain when it can be served; a broken one is logged (once), not fatal."""
    if not paths.acme_cert.exists() and not paths.acme_key.exists():
        return None  # none obtained yet: nothing to say
    try:
        ctx, info = load_pair(paths.acme_cert, paths.acme_key)
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = f"unreadable ({exc})"
    else:
        hostname = config.mail.hostname
        if not info.valid_at(time.time()):
            reason = f"not valid now (valid until {time.ctime(info.not_after)})"
        elif not info.covers(hostname):
            reason = f"does not cover {hostname} (names: {', '.join(info.names) or 'none'})"
        else:
            return Chosen(info, "acme", ctx, paths.acme_cert, paths.acme_key)
    message = f"ACME certificate {paths.acme_cert} not served: {reason}"
    if message not in skipped:
        skipped.add(message)
        log.warning("%s; falling back", message)
    return None


class CertificateKeeper:
    """The one TLS context of every listener, and the certificate it serves.

    Args:
        config: the loaded configuration.
        paths: the data dir layout.
        board: the ACME challenges in flight (TLS-ALPN-01 handshakes).

    Call :meth:`load` once before the listeners start (it is the only one
    that writes into the shared context), :meth:`reload` after the files
    changed (the renewal wrote a new chain). ``reload`` may run on any
    thread: the new certificate's context is built aside, then one reference
    is replaced.
    """

    def __init__(self, config: Config, paths: DataPaths, board: ChallengeBoard) -> None:
        self.config = config
        self.paths = paths
        self.board = board
        self.context = new_server_context()
        """Hand this to every service; it never changes, what it serves does."""
        self.context.sni_callback = self._on_hello
        self._chosen: Chosen | None = None
        self._skipped: set[str] = set()

    def load(self) -> None:
        """Choose and serve the certificate (the start of ``pmemail serve``).

        Raises:
            ServiceStartError: "TLS certificate unusable: …" (one line for the admin).
        """
        chosen = choose_certificate(self.config, self.paths, skipped=self._skipped)
        # the shared context's own chain: only a handshake the callback does not
        # switch (none today) would use it, but it must never be empty
        self.context.load_cert_chain(str(chosen.cert), str(chosen.key))
        self._serve(chosen)

    def reload(self) -> None:
        """Choose again and serve the result to new handshakes; open connections keep theirs.

        Raises:
            ServiceStartError: the admin's certificate became unusable (the
                one served until now stays).
        """
        self._serve(choose_certificate(self.config, self.paths, skipped=self._skipped))

    def served(self) -> tuple[CertInfo, Source]:
        """The certificate new handshakes get, and where it comes from."""
        if self._chosen is None:
            raise RuntimeError("CertificateKeeper.load() was not called")
        return self._chosen.info, self._chosen.source

    def trusted(self) -> bool:
        """True when a client can verify it: from ACME or an admin's CA-issued file."""
        info, source = self.served()
        return is_trusted(info, source)

    def _serve(self, chosen: Chosen) -> None:
        previous = self._chosen
        self._chosen = chosen  # one reference replaced: atomic for the handshakes
        if previous is None or previous.info.fingerprint_sha256 != chosen.info.fingerprint_sha256:
            log.info(
                "serving the %s certificate for %s (until %s, SHA-256 %s)",
                chosen.source,
                ", ".join(chosen.info.names) or chosen.info.subject,
                time.strftime("%Y-%m-%d", time.gmtime(chosen.info.not_after)),
                chosen.info.fingerprint_sha256,
            )

    def _on_hello(
        self, conn: ssl.SSLSocket | ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext
    ) -> None:
        """Every ClientHello: the challenge context while the CA validates this
        name (RFC 8737), else the certificate chosen now."""
        challenge = self.board.alpn_context(server_name)
        if challenge is not None:
            conn.context = challenge
        elif self._chosen is not None:
            conn.context = self._chosen.context
