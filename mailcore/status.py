"""What ``pmemail serve`` reports on its control socket, declared once.

Each ``Service.status()`` returns one of the shapes below. The supervisor
puts each under a :class:`ServiceHeader` (``{"name", "state", ...its keys}``)
in one :class:`StatusAnswer`, which the control socket sends as JSON and
``pmemail status --json`` prints. Those keys are a published interface:
add keys, never rename or remove one.

TypedDicts rather than dataclasses because the JSON is the dict itself:
nothing to convert on the way out. On the way in (the socket's untyped JSON)
:func:`narrow` gives a shape back, so readers use declared keys and mypy
catches a misspelled one.

The router monitor's shape is here too: it is plain JSON, no netcore type.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    NotRequired,
    TypedDict,
    TypeVar,
    Union,
    cast,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

ServiceState = Literal["running", "stopped", "failed"]


class ListenerStatus(TypedDict):
    """A service on a TCP port."""

    address: str
    port: int  # the bound port (the real one when the config said 0)


class ConnectionStatus(ListenerStatus):
    """A listener that counts its client connections."""

    connections: int  # open now
    connections_total: int  # since the server started


class AntispamStatus(TypedDict):
    """The verdicts of the port 25 checks (``mailcore.antispam.inbound``)."""

    filtering: str  # "engine" (rspamd answering), "basic" (built-in checks only) or "off"
    engine: str  # the configured engine ("rspamd"), "" = none
    checked: int  # messages checked
    refused: dict[str, int]  # by reason: dnsbl, own_domain, dmarc, spam, attachment
    junk: dict[str, int]  # delivered to Junk, by reason: spam, dmarc_quarantine


class SmtpStatus(ConnectionStatus):
    """An SMTP listener (``smtp``, ``submission``, extra submission ports)."""

    accepted: int  # messages taken responsibility for
    rejected: int  # transactions refused (recipients, size, policy)
    auth_failures: int
    queued: int  # messages handed to the outbound queue


class InboundSmtpStatus(SmtpStatus):
    """The MX listener (``smtp``, port 25): an SMTP listener with its antispam verdicts."""

    antispam: AntispamStatus


class ImapStatus(ConnectionStatus):
    """The IMAP server."""

    listening: bool
    starttls: bool  # STARTTLS offered


class Pop3Status(ConnectionStatus):
    """The POP3 server."""

    listening: bool
    stls: bool  # STLS offered


class WebmailStatus(ListenerStatus):
    """The webmail's HTTP (and optional HTTPS) listener."""

    listening: bool
    https_port: int | None  # None = HTTP only
    sessions: int  # logged-in sessions now
    requests_total: int
    logins_total: int


class QueueStatus(TypedDict):
    """The outbound queue runner."""

    delivered: int  # recipients since the server started
    deferred: int  # temporary failures since start (one recipient may count often)
    bounced: int  # recipients given up on since start
    queue_length: int  # messages in the queue now
    recipients_pending: int  # recipients still to deliver now
    last_run: float | None  # epoch seconds of the last pass
    last_error: str  # why the last pass failed ("" = it did not)
    relay: str  # "smarthost host:port" or "direct to MX"


class DeliveryStatus(TypedDict):
    """Local delivery into the Maildirs."""

    delivered: int  # copies written since start
    batches: int  # fsync batches since start
    pending: int  # copies waiting for the next batch


class HeldStatus(TypedDict):
    """A message the collector left at the ISP: no local recipient (admin to decide)."""

    mailbox: str  # user@host:port of the ISP mailbox
    uidl: str  # its UIDL there: what `pmemail collector assign|drop` take
    size: int  # bytes (the ISP's LIST)
    sender: str
    # From, To and Subject of its header block (decoded, at most 200 characters)
    to: str
    subject: str
    since: float  # when it was first held
    decided: str  # "assign"/"drop" waiting for the next run, "" = nothing decided


class CollectorError(TypedDict):
    """One mailbox's failure in the last pass: an id of ``pmemail.app.collector_texts``
    (``last_error.<code>``) and its values (``mailbox`` always)."""

    code: str
    params: dict[str, str]


class CollectorStatus(TypedDict):
    """The POP3 collector (fetches from the provider's mailboxes)."""

    last_run: float | None
    runs: int
    fetched: int  # messages delivered since start
    last_error: str  # "; "-joined, one per failing mailbox (English)
    errors: list[CollectorError]  # the same, as message ids for the admin's language
    mailboxes: int
    interval: float  # seconds between runs
    held: list[HeldStatus]  # messages left at the ISP for the admin, oldest first


class BackupStatus(TypedDict):
    """The backup schedule (present even when ``backup.interval`` is 0: the last result)."""

    interval: float  # seconds between scheduled backups; 0 = none
    dest: str  # the backup directory
    last_success: float | None  # the last complete backup, by `serve` or `pmemail backup`
    last_name: str
    last_size: int  # bytes of its archive
    last_failure: float | None
    last_error: str  # a message id of pmemail.app.backup_texts; "" after a success
    next_run: float | None  # None when not scheduled


class DyndnsStatus(TypedDict):
    """Dynamic DNS: the host name's A record kept on the public address (``dyndns`` key).

    Present even when updates are off: the saved state of the last update.
    """

    enabled: str  # dyndns.enabled: auto, yes or no
    provider: str
    hostname: str  # the name updated
    wanted: bool  # updates are made now
    reason: str  # why not: disabled, not_dynamic, not_configured; "" when wanted
    address: str  # the public address at the last look ("" unknown)
    checked_at: float | None  # the last look at the public address
    sent_address: str  # the address the provider last accepted
    last_answer: str  # the provider's last answer code (good, nochg, badauth, 911...)
    last_attempt: float | None
    last_success: float | None
    next_try: float | None  # no update before this (a back-off); None = any time
    failures: int  # failed updates in a row
    stopped: bool  # the provider refused the settings: none until they change
    last_error: str  # the last network failure ("" after an answer)


class RouterStatus(TypedDict):
    """The router monitor (keeps the port mappings alive)."""

    checks: int
    interval: float
    restored: int  # mappings the router had lost, since start
    renewed: int
    failed: int
    last_check: dict[str, Any] | None  # netcore's check_once() result, as is
    last_error: str
    # the monitor's events as forwarding message ids ({"id", "params", "parts"?, "at"}),
    # worded by the front ends; the newest, and the last few oldest first
    last_event: dict[str, Any] | None
    events: list[dict[str, Any]]


class CertificateFailure(TypedDict):
    """Why the last ACME attempt failed: an id of ``mailcore.acme.failures`` and its values."""

    code: str
    params: dict[str, str]


class AfterRenewOutcome(TypedDict):
    """How ``acme.after_renew`` went after the last new certificate
    (``mailcore.acme.after_renew``: code ok, exited, timed_out or not_started)."""

    at: float  # epoch seconds it was started
    code: str
    params: dict[str, str]


class CertificateStatus(TypedDict):
    """The certificate every TLS port serves, and its renewal (``pmemail cert status``)."""

    source: Literal["user", "acme", "self-signed"]
    subject: str  # the certificate's common name
    issuer: str  # the issuer's common name (or organisation)
    names: list[str]  # DNS names it is valid for
    not_before: float  # epoch seconds
    not_after: float  # epoch seconds
    fingerprint_sha256: str  # "AB:CD:..." as browsers and phones show it
    trusted: bool  # issued by a CA (ACME or the admin's), not self-signed
    acme_enabled: bool
    wanted_names: list[str]  # the names an ACME certificate should cover now
    last_attempt: float | None  # epoch seconds
    last_success: float | None
    next_attempt: float | None  # renewal or retry, epoch seconds
    failures: int  # consecutive failed attempts (the back-off)
    last_failure: CertificateFailure | None
    after_renew: NotRequired[AfterRenewOutcome | None]  # acme.after_renew's last run


class ServiceHeader(TypedDict):
    """The keys the supervisor puts before each service's own ones."""

    name: str
    state: ServiceState
    status_error: NotRequired[str]  # the service's status() raised: what


ServiceEntry = dict[str, object]
"""One element of ``services``: a :class:`ServiceHeader` merged with its service's shape."""


class ServerStatus(TypedDict):
    """The supervisor's view of the whole server."""

    pid: int
    started_at: float  # epoch seconds
    uptime: float  # seconds
    services: list[ServiceEntry]  # in start order
    backup: NotRequired[BackupStatus]  # the last backup and the next scheduled one
    dyndns: NotRequired[DyndnsStatus]  # the last dynamic DNS update and why (not)
    # server.mail_engine = "postfix-dovecot": the mail services not run (Postfix and
    # Dovecot serve them), e.g. ["smtp", "imap", ...]; absent while pmemail serves the mail
    handed_over: NotRequired[list[str]]


class StatusAnswer(ServerStatus):
    """The control socket's answer to ``{"cmd": "status"}`` (``pmemail status --json``)."""

    ok: bool


Shape = TypeVar("Shape", bound=Mapping[str, object])


def narrow(data: Mapping[str, object], shape: type[Shape]) -> Shape:
    """``data`` read as ``shape``: its declared keys whose values have the declared type.

    Other keys and ill-typed values are left out, so a key may be missing
    (read with ``.get``): a reader of the socket copes with an older or
    newer server instead of failing.
    """
    hints = _hints(shape)
    return cast(Shape, {k: v for k, v in data.items() if k in hints and _fits(v, hints[k])})


def read_answer(answer: Mapping[str, object]) -> StatusAnswer:
    """The control socket's status answer, narrowed; ``services`` keeps only objects."""
    status = narrow(answer, StatusAnswer)
    if "services" in status:
        status["services"] = [
            {str(k): v for k, v in s.items()} for s in status["services"] if isinstance(s, dict)
        ]
    return status


@functools.cache
def _hints(shape: type) -> dict[str, Any]:
    return get_type_hints(shape)


def _fits(value: object, hint: Any) -> bool:
    """Whether a JSON value has type ``hint`` (the few forms the shapes above use)."""
    origin = get_origin(hint)
    if hint is Any or hint is object:
        return True
    if origin is Union or origin is types.UnionType:
        return any(_fits(value, arg) for arg in get_args(hint))
    if origin is Literal:
        return value in get_args(hint)
    if origin is not None:  # list[...] / dict[...]: the container type is enough here
        return isinstance(value, origin)
    if hint is type(None):
        return value is None
    if is_typeddict(hint):  # a nested shape (CertificateFailure): an object is enough here
        return isinstance(value, dict)
    if isinstance(value, bool):  # JSON's true is no count
        return hint is bool
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)
