"""The published keys of ``pmemail status --json`` and the shape each service declares.

``PUBLISHED`` is the document as released (README: keys may be added, never
removed or renamed): tests check the real server still sends all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from mailcore.status import (
    CertificateStatus,
    CollectorStatus,
    DeliveryStatus,
    DyndnsStatus,
    ImapStatus,
    InboundSmtpStatus,
    Pop3Status,
    QueueStatus,
    RouterStatus,
    SmtpStatus,
    WebmailStatus,
)

PUBLISHED_TOP = {"ok", "pid", "started_at", "uptime", "services", "backup", "dyndns"}
DYNDNS_KEYS = {
    "address",
    "checked_at",
    "enabled",
    "failures",
    "hostname",
    "last_answer",
    "last_attempt",
    "last_error",
    "last_success",
    "next_try",
    "provider",
    "reason",
    "sent_address",
    "stopped",
    "wanted",
}
"""The ``dyndns`` key of the document, and the ``dyndns`` service's own keys."""
_SMTP = {
    "accepted",
    "address",
    "auth_failures",
    "connections",
    "connections_total",
    "port",
    "queued",
    "rejected",
}
PUBLISHED: dict[str, set[str]] = {
    name: {"name", "state"} | keys
    for name, keys in {
        "delivery": {"batches", "delivered", "pending"},
        "queue": {
            "bounced",
            "deferred",
            "delivered",
            "last_error",
            "last_run",
            "queue_length",
            "recipients_pending",
            "relay",
        },
        "smtp": _SMTP | {"antispam"},
        "submission": _SMTP,
        "imap": {"address", "connections", "connections_total", "listening", "port", "starttls"},
        "pop3": {"address", "connections", "connections_total", "listening", "port", "stls"},
        "webmail": {
            "address",
            "https_port",
            "listening",
            "logins_total",
            "port",
            "requests_total",
            "sessions",
        },
        "collector": {
            "errors",
            "fetched",
            "held",
            "interval",
            "last_error",
            "last_run",
            "mailboxes",
            "runs",
        },
        "router": {
            "checks",
            "failed",
            "interval",
            "events",
            "last_check",
            "last_error",
            "last_event",
            "renewed",
            "restored",
        },
        "dyndns": DYNDNS_KEYS,
        "certificates": {
            "acme_enabled",
            "after_renew",
            "failures",
            "fingerprint_sha256",
            "issuer",
            "last_attempt",
            "last_failure",
            "last_success",
            "names",
            "next_attempt",
            "not_after",
            "not_before",
            "source",
            "subject",
            "trusted",
            "wanted_names",
        },
    }.items()
}

SHAPES: dict[str, type[Mapping[str, object]]] = {
    "delivery": DeliveryStatus,
    "queue": QueueStatus,
    "smtp": InboundSmtpStatus,
    "submission": SmtpStatus,
    "imap": ImapStatus,
    "pop3": Pop3Status,
    "webmail": WebmailStatus,
    "collector": CollectorStatus,
    "router": RouterStatus,
    "certificates": CertificateStatus,
    "dyndns": DyndnsStatus,
}


def declared(shape: type[Mapping[str, object]]) -> set[str]:
    """The keys a status shape declares (a TypedDict's annotations include inherited ones)."""
    return set(shape.__annotations__)
