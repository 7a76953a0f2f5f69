"""One HTTP GET with a deadline for the whole answer and a cap on its size.

``requests``' ``timeout`` bounds each socket read, not the response: a server
that sends one byte every second never times out, and a 5 GB body is read
into memory. Echo services and routers are outside our control (a captive
portal, a broken or hostile box), so their answers are fetched here: the body
is streamed in pieces as they arrive, and the fetch gives up at the deadline
or past ``max_bytes``.

Limit left: while the status line and headers are read, only the per-read
timeout applies (the deadline is checked from the first body byte on).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import requests
import urllib3.exceptions

_PIECE = 16 * 1024


class FetchError(OSError):
    """The fetch failed; ``str()`` is one line fit for a user."""


class FetchTimeout(FetchError):
    """No complete answer within the deadline."""

    def __init__(self) -> None:
        """Always the same words: the callers show them as they are."""
        super().__init__("no answer in time")


class AnswerTooLarge(FetchError):
    """The body is longer than the caller accepts."""


def fetch_limited(
    url: str, timeout: float, max_bytes: int, headers: Mapping[str, str] | None = None
) -> bytes:
    """GET ``url`` and return its body, all within ``timeout`` seconds.

    Args:
        url: an ``http://`` or ``https://`` URL.
        timeout: seconds for the whole exchange (connection, headers, body).
        max_bytes: the longest body accepted (after content decoding).
        headers: extra request headers.

    Returns:
        The body of a 2xx/3xx answer.

    Raises:
        FetchTimeout: the answer did not end within ``timeout`` seconds.
        AnswerTooLarge: the body is longer than ``max_bytes``.
        FetchError: cannot connect, an HTTP error status, a broken answer.
    """
    status, reason, body = fetch_answer(url, timeout, max_bytes, headers, error_bodies=False)
    if status >= 400:
        raise FetchError(f"HTTP {status} {reason}".strip())
    return body


def fetch_answer(
    url: str,
    timeout: float,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    *,
    error_bodies: bool = True,
    ca_file: str = "",
) -> tuple[int, str, bytes]:
    """GET ``url``: its status, reason and body, whatever the status, within ``timeout``.

    For protocols that put their answer in the body of an error status too
    (a dynamic DNS provider's ``badauth`` may come with 401). Same bounds and
    errors as :func:`fetch_limited`, except that a 4xx/5xx is returned.

    Args:
        error_bodies: False: the body of a 4xx/5xx is not read (returned empty).
        ca_file: PEM CA bundle that verifies an HTTPS server; "" = the system's.
    """
    deadline = time.monotonic() + timeout
    try:
        verify: str | bool = ca_file or True
        with requests.get(
            url, timeout=timeout, stream=True, headers=dict(headers or {}), verify=verify
        ) as resp:
            reason = resp.reason or ""
            if resp.status_code >= 400 and not error_bodies:  # an error page, of no use
                return resp.status_code, reason, b""
            return resp.status_code, reason, _read_body(resp, deadline, max_bytes)
    except requests.Timeout:
        raise FetchTimeout() from None
    except requests.ConnectionError:
        raise FetchError("cannot connect") from None
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchTimeout() from None
    except FetchError:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(_one_line(exc)) from None


def _read_body(resp: requests.Response, deadline: float, max_bytes: int) -> bytes:
    raw = resp.raw
    # read1 returns what one socket read gave, so the deadline is checked
    # between small pieces; plain read(n) would wait for n bytes
    read1 = getattr(raw, "read1", None)
    body = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise FetchTimeout()
        piece: bytes = read1(_PIECE) if read1 is not None else raw.read(1)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_bytes:
            raise AnswerTooLarge(f"answer longer than {max_bytes} bytes")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
