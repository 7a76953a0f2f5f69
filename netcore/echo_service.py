"""Ask an echoip-style service how the office looks from the internet.

``GET {url}/ip`` answers the caller's public address; ``GET {url}/port/N``
makes the service connect back to port N and answers
``{"ip": ..., "port": N, "reachable": bool}`` (ifconfig.co's format).
Only an outside party can tell whether a port is reachable: routers do not
loop LAN traffic back to their own public address, so a test made from
inside the office proves nothing.

Answers are read with a deadline for the whole answer and a size cap
(:func:`netcore.http_fetch.fetch_limited`): a captive portal's HTML page, a
huge body or one that trickles in forever each end as a one-line reason.
"""

from __future__ import annotations

import ipaddress
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from netcore.http_fetch import AnswerTooLarge, FetchError, fetch_limited

MAX_IP_ANSWER = 256  # an address and some white space; anything longer is not one
MAX_PORT_ANSWER = 4096  # {"ip": ..., "port": N, "reachable": bool} and a few more keys
NOT_AN_ADDRESS = "answered something that is not an IP address"
NO_VERDICT = 'answer has no boolean "reachable"'


@dataclass(frozen=True)
class PublicIpAnswers:
    """The public address as seen by each echo service.

    Attributes:
        address: the first good answer in configuration order ("" if none).
        answers: url -> address for every service that answered.
        errors: url -> one-line reason for every service that did not.
    """

    address: str
    answers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def disagreement(self) -> bool:
        """True when two services saw different addresses."""
        return len(set(self.answers.values())) > 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``public_ip`` part of the doctor's report)."""
        return {
            "address": self.address,
            "answers": dict(self.answers),
            "errors": dict(self.errors),
            "disagreement": self.disagreement,
        }


def _reason(exc: Exception) -> str:
    # FetchError and the ValueErrors raised here carry one-line messages
    return str(exc) or type(exc).__name__


def ask_ip(url: str, timeout: float) -> str:
    """The address ``url`` sees us coming from.

    Args:
        url: the echo service's base URL.
        timeout: seconds for the whole answer (``network.http_timeout``).

    Raises:
        netcore.http_fetch.FetchError: network failure, HTTP error, no answer in time.
        ValueError: the answer is not an IP address.
    """
    try:
        body = fetch_limited(
            url.rstrip("/") + "/ip",
            timeout,
            MAX_IP_ANSWER,
            {"Accept": "text/plain", "User-Agent": "curl/8 (pmemail)"},
        )
        return str(ipaddress.ip_address(body.decode("ascii").strip()))
    except (AnswerTooLarge, ValueError):  # ValueError: not ASCII, not an address
        raise ValueError(NOT_AN_ADDRESS) from None


def public_ip(urls: list[str], timeout: float) -> PublicIpAnswers:
    """Ask every service at once; the first configured one that answers wins.

    Args:
        urls: echo service base URLs (``network.echo_url``).
        timeout: seconds for each request (``network.http_timeout``).
    """
    if not urls:
        return PublicIpAnswers("", {}, {"": "no echo service configured (network.echo_url)"})
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        futures = {u: pool.submit(ask_ip, u, timeout) for u in urls}
        for url, fut in futures.items():
            try:
                answers[url] = fut.result()
            except (FetchError, ValueError) as exc:
                errors[url] = _reason(exc)
    first = next((answers[u] for u in urls if u in answers), "")
    return PublicIpAnswers(first, answers, errors)


def port_reachable(urls: list[str], port: int, timeout: float) -> tuple[bool | None, str]:
    """Ask the echo services whether ``port`` on our public address is reachable.

    The services are tried in order until one gives a verdict.

    Returns:
        (True/False, url that answered) or (None, reason) when none could tell.
    """
    reason = "no echo service configured (network.echo_url)"
    for url in urls:
        try:
            return _port_verdict(url, port, timeout), url
        except (FetchError, ValueError) as exc:
            reason = f"{url}: {_reason(exc)}"
    return None, reason


def _port_verdict(url: str, port: int, timeout: float) -> bool:
    """One service's verdict on ``port``.

    Raises:
        netcore.http_fetch.FetchError: network failure, HTTP error, no answer in time.
        ValueError: the answer is not JSON with a boolean ``reachable``.
    """
    body = fetch_limited(
        f"{url.rstrip('/')}/port/{port}", timeout, MAX_PORT_ANSWER, {"Accept": "application/json"}
    )
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        raise ValueError("answer is not JSON") from None
    # a real boolean only: bool("false") is True, and null is not "unreachable"
    verdict = answer.get("reachable") if isinstance(answer, dict) else None
    if not isinstance(verdict, bool):
        raise ValueError(NO_VERDICT)
    return verdict
