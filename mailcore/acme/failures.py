"""Why no ACME certificate was obtained: a message id and its parameters.

The core never words a sentence: ``pmemail.app.cert_wording`` renders each
id in English and French for the CLI, the wizard and the dashboard. The ids
are part of ``pmemail cert status --json`` (README): add, never rename.
"""

from __future__ import annotations

from typing import Final

ACME_OFF: Final = "acme_off"
"""``acme.enabled = false``: the self-signed certificate is served."""
USER_CERTIFICATE: Final = "user_certificate"
"""``mail.tls_cert`` is set: the admin's certificate is served, never replaced."""
NO_PUBLIC_NAME: Final = "no_public_name"
"""The host name is a placeholder (never sent to Let's Encrypt), has no address in
the DNS, or the CA refuses it (rejectedIdentifier). Params: name."""
NAME_ELSEWHERE: Final = "name_elsewhere"
"""The name's DNS address is not the office's public address.
Params: name, address, public."""
PORT80_UNREACHABLE: Final = "port80_unreachable"
"""The CA could not reach port 80 (HTTP-01). Params: name, detail."""
PORT443_UNREACHABLE: Final = "port443_unreachable"
"""The CA could not reach port 443 (TLS-ALPN-01). Params: name, detail."""
CHALLENGE_FAILED: Final = "challenge_failed"
"""The CA reached the office but refused the answer. Params: name, detail."""
CA_UNREACHABLE: Final = "ca_unreachable"
"""The ACME directory could not be reached. Params: url, detail."""
CA_ERROR: Final = "ca_error"
"""The CA answered with an error. Params: detail."""
RATE_LIMITED: Final = "rate_limited"
"""The CA's rate limit: no new attempt before the given time.
Params: retry_at (epoch), detail (the CA's words)."""
TIMED_OUT: Final = "timed_out"
"""The CA did not finish within ``acme.timeout``. Params: seconds."""

ALL: Final = (
    ACME_OFF,
    USER_CERTIFICATE,
    NO_PUBLIC_NAME,
    NAME_ELSEWHERE,
    PORT80_UNREACHABLE,
    PORT443_UNREACHABLE,
    CHALLENGE_FAILED,
    CA_UNREACHABLE,
    CA_ERROR,
    RATE_LIMITED,
    TIMED_OUT,
)


class AcmeFailure(Exception):
    """An attempt failed for a reason the admin can act on."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def as_dict(self) -> dict[str, object]:
        """``{"code": ..., "params": {...}}`` as stored and sent as JSON."""
        return {"code": self.code, "params": dict(self.params)}
