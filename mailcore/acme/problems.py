"""What went wrong, as a failure id: the CA's problem documents and network errors.

RFC 8555 §6.7 problem types are mapped by what the admin can do about them:
the CA could not connect (a port not forwarded), it connected but got a wrong
answer (another server answers, or the DNS points elsewhere), the CA itself
is unreachable or broken, or its rate limit says when to come back.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

import requests
from acme import errors, messages

from mailcore.acme.failures import (
    CA_ERROR,
    CA_UNREACHABLE,
    CHALLENGE_FAILED,
    NAME_ELSEWHERE,
    NO_PUBLIC_NAME,
    PORT80_UNREACHABLE,
    PORT443_UNREACHABLE,
    RATE_LIMITED,
    AcmeFailure,
)

RATE_LIMIT_DEFAULT = 3600.0
"""Seconds to wait after a rate limit whose answer has no usable Retry-After."""
RATE_LIMIT_MIN, RATE_LIMIT_MAX = 60.0, 7 * 86400.0
"""Retry-After is honoured within these bounds (a zero or a year is a CA's mistake)."""
_DETAIL_MAX = 300
_WRONG_ANSWER = {"unauthorized", "incorrectResponse", "tls", "dns"}
_NO_CONNECTION = re.compile(
    r"failed to connect|connection refused|timeout during connect|no route to host",
    re.IGNORECASE,
)


def validation_failure(
    error: messages.Error | None,
    *,
    name: str,
    challenge: str,
    elsewhere: tuple[str, str] | None,
) -> AcmeFailure:
    """Why the CA refused to validate ``name``.

    Args:
        error: the challenge's problem document (None when the CA gave none).
        name: the name being validated.
        challenge: ``http-01`` or ``tls-alpn-01``.
        elsewhere: (the name's DNS address, the address expected) when the DNS
            points away from the office: that, not the port, is then the cause.
    """
    detail = _clip(error.detail or error.typ) if error is not None else ""
    code = error.code if error is not None else None
    if code in _WRONG_ANSWER and _NO_CONNECTION.search(detail):
        # Pebble reports a refused TLS-ALPN-01 connection as "unauthorized";
        # its words say what happened
        code = "connection"
    if elsewhere is not None and (code == "connection" or code in _WRONG_ANSWER):
        return AcmeFailure(NAME_ELSEWHERE, name=name, address=elsewhere[0], public=elsewhere[1])
    if code == "connection":
        port_failure = PORT80_UNREACHABLE if challenge == "http-01" else PORT443_UNREACHABLE
        return AcmeFailure(port_failure, name=name, detail=detail)
    if code in _WRONG_ANSWER:
        return AcmeFailure(CHALLENGE_FAILED, name=name, detail=detail)
    if code == "rejectedIdentifier":
        return AcmeFailure(NO_PUBLIC_NAME, name=name)
    return AcmeFailure(CA_ERROR, detail=detail or "validation failed")


def request_failure(
    exc: Exception, *, url: str, headers: Mapping[str, str] | None, now: float | None = None
) -> AcmeFailure:
    """An exception from a request to the CA, as a failure id.

    Args:
        exc: what the ``acme`` library or ``requests`` raised.
        url: the directory URL (named by ``CA_UNREACHABLE``).
        headers: the headers of the CA's last answer (for Retry-After).
        now: the current time (epoch seconds), for tests.
    """
    if isinstance(exc, messages.Error):
        if exc.code == "rateLimited":
            retry = retry_at(headers or {}, time.time() if now is None else now)
            return AcmeFailure(RATE_LIMITED, retry_at=f"{retry:.0f}", detail=_clip(exc.detail))
        if exc.code == "rejectedIdentifier":
            return AcmeFailure(NO_PUBLIC_NAME, name=_identifier(exc))
        return AcmeFailure(CA_ERROR, detail=_clip(exc.detail or exc.typ))
    if isinstance(exc, requests.exceptions.InvalidJSONError):
        return AcmeFailure(CA_ERROR, detail="the directory's answer is not JSON")
    if isinstance(exc, requests.RequestException):
        return AcmeFailure(CA_UNREACHABLE, url=url, detail=short_reason(exc))
    if isinstance(exc, errors.Error | ValueError):
        # not ACME (a proxy's page, a wrong URL), a broken answer, a lost nonce
        return AcmeFailure(CA_ERROR, detail=_clip(str(exc) or type(exc).__name__))
    raise exc


def retry_at(headers: Mapping[str, str], now: float) -> float:
    """When to come back after a rate limit: Retry-After (seconds or an HTTP date)."""
    value = headers.get("Retry-After", "").strip()
    wait = RATE_LIMIT_DEFAULT
    if value.isdigit():
        wait = float(value)
    elif value:
        try:
            wait = email.utils.parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, IndexError):
            pass
    return now + min(max(wait, RATE_LIMIT_MIN), RATE_LIMIT_MAX)


def short_reason(exc: BaseException) -> str:
    """The useful end of a ``requests`` error (urllib3 wraps it three times)."""
    text = str(exc)
    for pattern in (
        r"certificate verify failed: ([^(')\]]+)",
        r"\[Errno -?\d+\] ([^'\")]+)",
        r"(Read timed out|Connection refused|Name or service not known)",
    ):
        found = re.search(pattern, text)
        if found:
            reason = found.group(1).strip()
            return f"TLS: {reason}" if "verify" in pattern else reason
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS: " + _clip(text)
    return _clip(text) or type(exc).__name__


def _identifier(exc: messages.Error) -> str:
    for problem in (exc, *(exc.subproblems or ())):
        if problem.identifier is not None:
            return str(problem.identifier.value)
    return ""


def _clip(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"
