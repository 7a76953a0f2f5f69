"""What a check asked, of whom, and what its failure means: never a raw errno text.

The runner words a check that overran ``network.check_timeout`` or crashed
with these: the admin reads who did not answer and what to do, the raw
exception stays in the check's ``details`` for a bug report.
"""

from __future__ import annotations

import errno
import socket

from netcore.checks.finding_messages import FINDINGS

ASKED: dict[str, str] = {
    "router": "the router at the gateway (UPnP and NAT-PMP)",
    "public_ip": "the echo services (network.echo_url), for the public address",
    "nat": "the router and the echo services, to compare the public address",
    "ip_kind": "the DNS resolver, for the public address's reverse name",
    "dns": "the DNS resolver (network.resolver), for the domain's records",
    "outbound_25": "remote mail servers on port 25 (network.port25_probes)",
    "records": "the DNS resolver (network.resolver), for the published records",
    "dnsbl": "the DNS blocklist, through the DNS resolver",
    "certificate": "this machine's own mail server, for the certificate it serves",
    "inbound": "the echo service, to connect back to this port from outside",
}
"""Check id (or its prefix before the dot) -> what it asks, of whom."""


def asked(check_id: str) -> str:
    """Who a check asks, in words ("" when not known)."""
    return ASKED.get(check_id) or ASKED.get(check_id.partition(".")[0], "")


def timeout_finding(check_id: str, seconds: float) -> str:
    """The finding of a check that got no answer in time."""
    whom = asked(check_id)
    return (
        f"no answer within {seconds:g} s from {whom}"
        if whom
        else (f"no answer within {seconds:g} s")
    )


def error_message_id(exc: BaseException) -> tuple[str, dict[str, str]]:
    """An exception as a catalogue id and its values (no ``[Errno -3]``)."""
    if isinstance(exc, socket.gaierror):
        return "error.name", {}
    if isinstance(exc, TimeoutError):
        return "error.timeout", {}
    if isinstance(exc, ConnectionRefusedError):
        return "error.refused", {}
    if isinstance(exc, ConnectionResetError):
        return "error.reset", {}
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "error.unreachable", {}
    if isinstance(exc, PermissionError):
        return "error.permission", {}
    if isinstance(exc, OSError):
        return "error.network", {"kind": type(exc).__name__}
    return "error.bug", {"kind": type(exc).__name__}


def describe_error(exc: BaseException) -> str:
    """An exception as a sentence an office admin can act on (English)."""
    key, params = error_message_id(exc)
    return FINDINGS[key].format(**params)


def timeout_message_id(check_id: str) -> str:
    """The catalogue id of :func:`timeout_finding` for ``check_id``."""
    kind = check_id if check_id in ASKED else check_id.partition(".")[0]
    return f"check.timeout.{kind}" if kind in ASKED else "check.timeout"


def crash_message_id(check_id: str) -> str:
    """The catalogue id of a crashed check's finding (names whom it asked when known)."""
    kind = check_id if check_id in ASKED else check_id.partition(".")[0]
    return f"check.crashed.{kind}" if kind in ASKED else "check.crashed"
