"""The ACME challenge answers in flight, shared by the ACME client and the listeners.

The client (in a worker thread) puts an answer before telling the CA the
challenge is ready and drops it once the CA has decided; the web listener on
port 80 reads HTTP-01 answers and the TLS listener on 443 reads TLS-ALPN-01
certificates (RFC 8737), both from the event loop. A dict read or written in
one step is atomic under the GIL, and a lock keeps put/drop pairs simple.
"""

from __future__ import annotations

import ssl
import threading

ACME_TLS_ALPN = "acme-tls/1"
"""The ALPN protocol a TLS-ALPN-01 validator asks for (RFC 8737)."""


class ChallengeBoard:
    """HTTP-01 key authorizations by token, TLS-ALPN-01 contexts by name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._http: dict[str, str] = {}
        self._alpn: dict[str, ssl.SSLContext] = {}

    def put_http(self, token: str, key_authorization: str) -> None:
        """Answer ``GET /.well-known/acme-challenge/<token>`` with ``key_authorization``."""
        with self._lock:
            self._http[token] = key_authorization

    def http_answer(self, token: str) -> str | None:
        """The key authorization for ``token``, None when no challenge is pending."""
        return self._http.get(token)

    def drop_http(self, token: str) -> None:
        """Forget ``token`` (the CA has decided)."""
        with self._lock:
            self._http.pop(token, None)

    def put_alpn(self, name: str, cert_pem: bytes, key_pem: bytes) -> None:
        """Present the RFC 8737 certificate to a handshake for ``name`` that asks for
        ``acme-tls/1``."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols([ACME_TLS_ALPN])
        _load_pem_pair(ctx, cert_pem, key_pem)
        with self._lock:
            self._alpn[name.lower().rstrip(".")] = ctx

    def alpn_context(self, name: str | None) -> ssl.SSLContext | None:
        """The challenge context for ``name`` (from SNI), None when none is pending."""
        if not name:
            return None
        return self._alpn.get(name.lower().rstrip("."))

    def drop_alpn(self, name: str) -> None:
        """Forget the challenge for ``name``."""
        with self._lock:
            self._alpn.pop(name.lower().rstrip("."), None)

    def pending(self) -> bool:
        """True while any challenge waits for the CA."""
        return bool(self._http or self._alpn)


def _load_pem_pair(ctx: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    """``load_cert_chain`` reads files only: hand it a private temporary pair."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pmemail-alpn-") as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, data in ((cert, cert_pem), (key, key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        ctx.load_cert_chain(cert, key)
