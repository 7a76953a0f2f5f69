"""The dyndns2 update protocol and Duck DNS's variant: the request and the answer. Pure.

dyndns2 (DynDNS, No-IP, OVH, Infomaniak and many registrars):
``GET {server}/nic/update?hostname=H&myip=A`` with HTTP basic auth; the
body's first word is the answer code (``good 192.0.2.1``, ``nochg ...``,
``badauth``, ``911``...). Duck DNS: ``GET {server}/update?domains=D&token=T&ip=A``
answering ``OK`` or ``KO``.

What each answer means for the next try is the providers' own rule
(https://help.dyn.com/remote-access-api/return-codes/, No-IP's integration
guide): an answer that says the settings are wrong must not be repeated
until they change (providers block clients that insist), 911 and dnserr
ask for at least 30 minutes, good and nochg are done.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlencode

Verdict = Literal["done", "stop", "wait", "retry"]
"""done: the record holds the address; stop: no more updates until the config
changes; wait: the provider's trouble, at least :data:`PROVIDER_TROUBLE_WAIT`;
retry: an unknown answer or a network failure, the ordinary back-off."""

PROVIDER_TROUBLE_WAIT: Final = 1800.0
"""Seconds the providers ask for after 911 or dnserr (30 minutes)."""

USER_AGENT: Final = "pmemail - mail server - 1.0"
"""dyndns2 asks for "company - device - version"; a missing one is ``badagent``."""

DEFAULT_SERVERS: Final[dict[str, str]] = {
    "dyndns2": "https://members.dyndns.org",
    "noip": "https://dynupdate.no-ip.com",
    "ovh": "https://www.ovh.com",
    "infomaniak": "https://infomaniak.com",
    "duckdns": "https://www.duckdns.org",
    "custom": "",
}

VERDICTS: Final[dict[str, Verdict]] = {
    "good": "done",
    "nochg": "done",
    "OK": "done",  # Duck DNS
    "badauth": "stop",
    "notfqdn": "stop",
    "nohost": "stop",
    "numhost": "stop",
    "abuse": "stop",
    "badagent": "stop",
    "!donator": "stop",
    "!yours": "stop",
    "KO": "stop",  # Duck DNS: wrong token or domain
    "dnserr": "wait",
    "911": "wait",
}
"""Each documented answer code and what it means for the next try."""


@dataclass(frozen=True)
class Answer:
    """One update's answer, read.

    Attributes:
        code: the provider's code (``good``, ``badauth``, ``OK``...), ``http 503``
            for an error status without a code, ``unknown`` for anything else.
        verdict: what it means for the next try.
        address: the address the provider echoed ("" none).
    """

    code: str
    verdict: Verdict
    address: str = ""


def update_url(provider: str, server: str, hostname: str, address: str, token: str) -> str:
    """The update request for ``hostname`` → ``address``.

    Args:
        provider: ``dyndns.provider``.
        server: the base URL (``dyndns.server``, or :data:`DEFAULT_SERVERS`).
        hostname: the name to update.
        address: the IPv4 address it must point at.
        token: Duck DNS's token (the others authenticate with basic auth).
    """
    base = server.rstrip("/")
    if provider == "duckdns":
        domain = hostname.removesuffix(".").removesuffix(".duckdns.org")
        return f"{base}/update?" + urlencode({"domains": domain, "token": token, "ip": address})
    query = {"hostname": hostname, "myip": address}
    if provider == "ovh":
        query = {"system": "dyndns", **query}
    return f"{base}/nic/update?" + urlencode(query)


def basic_auth(username: str, password: str) -> dict[str, str]:
    """The Authorization header for dyndns2 (none without a username)."""
    if not username:
        return {}
    raw = f"{username}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def read_answer(status: int, body: bytes) -> Answer:
    """Read the provider's answer: the first word of the body, else the HTTP status.

    Several hosts are answered one line each; only one is sent, so the first
    line is the answer. An HTTP 401/403 without a known code is ``badauth``.
    """
    text = body.decode("utf-8", "replace").strip()
    first = text.splitlines()[0].split() if text else []
    code = first[0] if first else ""
    verdict = VERDICTS.get(code)
    if verdict is not None:
        return Answer(code, verdict, first[1] if len(first) > 1 else "")
    if status in (401, 403):
        return Answer("badauth", "stop")
    if status >= 400:
        return Answer(f"http {status}", "retry")
    return Answer("unknown", "retry")
