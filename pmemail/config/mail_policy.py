"""The outgoing-mail policy read by both cores: the relay path and the MTA-STS policy.

The MTA-STS policy (RFC 8461) of the mail domains is made here, in one place.

The webmail serves it at ``https://mta-sts.<domain>/.well-known/mta-sts.txt``
(``mailcore``) and ``pmemail dns records`` publishes its id in
``_mta-sts.<domain>`` (``netcore``); both read it here, so the id always
changes with the policy, as senders need to notice a new one.
"""

from __future__ import annotations

import hashlib

from pmemail.config.model import Config, RelayConfig

MAX_AGE = 604800  # one week: RFC 8461 suggests weeks; short enough to change the MX


def uses_smarthost(relay: RelayConfig) -> bool:
    """Whether mail leaves through ``relay.host`` (``auto`` = when a host is set): what the
    queue does and what the SPF record must name."""
    return relay.mode == "smarthost" or (relay.mode == "auto" and bool(relay.host))


def mta_sts_policy(config: Config) -> str:
    """The policy file's text (CRLF lines, as RFC 8461 §3.2 writes it)."""
    lines = [
        "version: STSv1",
        f"mode: {config.dkim.mta_sts_mode}",
        f"mx: {config.mail.hostname}",
        f"max_age: {MAX_AGE}",
    ]
    return "\r\n".join(lines) + "\r\n"


def mta_sts_id(config: Config) -> str:
    """The ``id=`` of the ``_mta-sts`` TXT record: derived from the policy (1-32 chars)."""
    return "pm" + hashlib.sha256(mta_sts_policy(config).encode()).hexdigest()[:16]


def report_address(domain: str) -> str:
    """Where DMARC and TLS reports go: the domain's postmaster (RFC 5321 requires one)."""
    return f"postmaster@{domain}"
