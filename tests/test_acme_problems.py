"""The CA's problem documents and network errors, as failure ids (pure mapping)."""

from __future__ import annotations

import email.utils

import pytest
import requests
from acme import errors, messages

from mailcore.acme import failures
from mailcore.acme.problems import (
    RATE_LIMIT_DEFAULT,
    RATE_LIMIT_MAX,
    RATE_LIMIT_MIN,
    request_failure,
    retry_at,
    short_reason,
    validation_failure,
)

NOW = 1_800_000_000.0
HOST = "mail.example.be"


def problem(code: str, detail: str = "the CA's words") -> messages.Error:
    return messages.Error.with_code(code, detail=detail)


@pytest.mark.parametrize(
    ("code", "challenge", "expected"),
    [
        ("connection", "http-01", failures.PORT80_UNREACHABLE),
        ("connection", "tls-alpn-01", failures.PORT443_UNREACHABLE),
        ("unauthorized", "http-01", failures.CHALLENGE_FAILED),
        ("incorrectResponse", "tls-alpn-01", failures.CHALLENGE_FAILED),
        ("tls", "tls-alpn-01", failures.CHALLENGE_FAILED),
        ("dns", "http-01", failures.CHALLENGE_FAILED),
        ("caa", "http-01", failures.CA_ERROR),
        ("rejectedIdentifier", "http-01", failures.NO_PUBLIC_NAME),
    ],
)
def test_validation_problems(code: str, challenge: str, expected: str) -> None:
    """By what the admin can do: open a port, fix what answers, or read the CA's words."""
    failure = validation_failure(problem(code), name=HOST, challenge=challenge, elsewhere=None)
    assert failure.code == expected
    if expected not in (failures.CA_ERROR, failures.NO_PUBLIC_NAME):
        assert failure.params == {"name": HOST, "detail": "the CA's words"}


def test_refused_connection_worded_as_unauthorized() -> None:
    """Pebble's TLS-ALPN-01 "Failed to connect" comes as unauthorized: still the port."""
    error = problem("unauthorized", "Failed to connect to 127.0.0.1:443 for the tls-alpn-01")
    failure = validation_failure(error, name=HOST, challenge="tls-alpn-01", elsewhere=None)
    assert failure.code == failures.PORT443_UNREACHABLE


def test_dns_elsewhere_is_the_cause() -> None:
    """The DNS points away from the office: that, not the port, is what to fix."""
    for code in ("connection", "unauthorized"):
        failure = validation_failure(
            problem(code), name=HOST, challenge="http-01", elsewhere=("198.51.100.7", "203.0.113.2")
        )
        assert failure.as_dict() == {
            "code": failures.NAME_ELSEWHERE,
            "params": {"name": HOST, "address": "198.51.100.7", "public": "203.0.113.2"},
        }


def test_retry_after() -> None:
    """Seconds or an HTTP date; absent or unreadable: an hour; kept within bounds."""
    assert retry_at({"Retry-After": "7200"}, NOW) == NOW + 7200
    date = email.utils.formatdate(NOW + 5000, usegmt=True)
    assert retry_at({"Retry-After": date}, NOW) == NOW + 5000
    assert retry_at({}, NOW) == NOW + RATE_LIMIT_DEFAULT
    assert retry_at({"Retry-After": "soon"}, NOW) == NOW + RATE_LIMIT_DEFAULT
    assert retry_at({"Retry-After": "0"}, NOW) == NOW + RATE_LIMIT_MIN
    assert retry_at({"Retry-After": "99999999"}, NOW) == NOW + RATE_LIMIT_MAX


def test_request_failures() -> None:
    """Rate limit with its time, refused name, CA errors, unreachable CA."""
    url = "https://ca.example/dir"
    limited = request_failure(
        problem("rateLimited"), url=url, headers={"Retry-After": "90"}, now=NOW
    )
    assert limited.code == failures.RATE_LIMITED
    assert limited.params["retry_at"] == f"{NOW + 90:.0f}"
    assert request_failure(problem("serverInternal"), url=url, headers={}).as_dict() == {
        "code": failures.CA_ERROR,
        "params": {"detail": "the CA's words"},
    }
    refused = messages.Error.with_code(
        "rejectedIdentifier",
        detail="forbidden",
        identifier=messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=HOST),
    )
    assert request_failure(refused, url=url, headers={}).params == {"name": HOST}
    down = requests.ConnectionError(
        "HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded "
        "(Caused by NewConnectionError('<x>: Failed to establish a new connection: "
        "[Errno 111] Connection refused'))"
    )
    assert request_failure(down, url=url, headers=None).params == {
        "url": url,
        "detail": "Connection refused",
    }
    assert request_failure(errors.ClientError("not ACME"), url=url, headers={}).code == (
        failures.CA_ERROR
    )


def test_short_reason() -> None:
    """The end of urllib3's nested message: what a person can act on."""
    tls = requests.exceptions.SSLError(
        "HTTPSConnectionPool(host='ca', port=443): Max retries exceeded (Caused by "
        "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
        "verify failed: unable to get local issuer certificate (_ssl.c:1006)')))"
    )
    assert short_reason(tls) == "TLS: unable to get local issuer certificate"
    assert short_reason(requests.exceptions.ReadTimeout("... Read timed out. (x)")) == (
        "Read timed out"
    )
