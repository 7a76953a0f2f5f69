"""Ask an echoip-style service how the office looks from the internet.

``GET {url}/ip`` answers the caller's public address; ``GET {url}/port/N``
makes the service connect back to port N and answers
``{"ip": ..., "port": N, "reachable": bool}`` (ifconfig.co's format).
Only an outside party can tell whether a port is reachable: routers do not
loop LAN traffic back to their own public address, so a test made from
inside the office proves nothing.
"""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests


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
        return {"address": self.address, "answers": dict(self.answers),
                "errors": dict(self.errors), "disagreement": self.disagreement}


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    return str(exc) or type(exc).__name__


def ask_ip(url: str, timeout: float) -> str:
    """The address ``url`` sees us coming from.

    Raises:
        requests.RequestException: network failure or HTTP error.
        ValueError: the answer is not an IP address.
    """
    resp = requests.get(url.rstrip("/") + "/ip", timeout=timeout,
                        headers={"Accept": "text/plain", "User-Agent": "curl/8 (pmemail)"})
    resp.raise_for_status()
    text = resp.text.strip()
    return str(ipaddress.ip_address(text))


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
            except (requests.RequestException, ValueError) as exc:
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
            resp = requests.get(f"{url.rstrip('/')}/port/{port}", timeout=timeout,
                                headers={"Accept": "application/json"})
            resp.raise_for_status()
            body = resp.json()
            return bool(body["reachable"]), url
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            reason = f"{url}: {_reason(exc)}"
    return None, reason
