"""The webmail: read and send mail from a browser (aiohttp + Jinja), and client autoconfig.

``build_webmail_service`` is what ``pmemail serve`` (``pmemail.serve.composition``)
calls; ``PolicySubmitter`` is the submission path the webmail sends through.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

from mailcore.acme.challenges import ChallengeBoard
from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.mailstore import MailStore
from mailcore.smtp.handlers import OutboundQueue
from mailcore.throttle import AuthThrottle
from mailcore.webmail.addressbook import AddressBook
from mailcore.webmail.context import WebmailContext, template_env
from mailcore.webmail.mailview import MailView
from mailcore.webmail.service import WebmailService
from mailcore.webmail.sessions import SessionStore
from mailcore.webmail.submit import PolicySubmitter, SubmitError, Submitter
from pmemail.config.https import https_enabled, https_internal_port, https_public_port
from pmemail.config.language import effective_config
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

__all__ = [
    "PolicySubmitter",
    "SubmitError",
    "Submitter",
    "WebmailService",
    "build_submitter",
    "build_webmail_service",
]


def build_submitter(
    config: Config, users: UserDirectory, delivery: LocalDelivery, queue: OutboundQueue | None
) -> PolicySubmitter:
    """The webmail's sending path: submission policy, local delivery, queue, Sent copy."""
    return PolicySubmitter(users, delivery, queue, config.mail.domain)


def build_webmail_service(
    config: Config,
    paths: DataPaths,
    users: UserDirectory,
    throttle: AuthThrottle,
    store: MailStore,
    submitter: Submitter,
    *,
    tls: ssl.SSLContext,
    board: ChallengeBoard | None = None,
    hsts: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.monotonic,
    port80_only: bool = False,
) -> WebmailService:
    """The webmail on ``ports.https.internal`` (HTTPS) and ``ports.webmail.internal`` (80).

    HTTPS is on when ``ports.https.enabled`` (or the legacy non-zero
    ``server.https_port``, which then names the port); port 80 then carries
    the ACME challenge, Thunderbird's autoconfig and a redirect to
    ``https://<mail.hostname>[:ports.https.external]`` (plus the webmail for
    the office's networks when ``webmail.plain_http = "lan"``). With HTTPS
    off, the webmail is on port 80 and its login only for the office's
    networks (the throttle's ``office``).

    Args:
        config: the loaded configuration.
        paths: the data dir (uploads are spooled in ``<data_dir>/spool``).
        users: the user directory (login).
        throttle: the login throttle shared with SMTP/IMAP/POP3.
        store: the mailbox store shared with IMAP (so flags and moves are shared).
        submitter: how to send (``build_submitter``).
        tls: the server TLS context every listener shares, used for HTTPS.
        board: the ACME challenges in flight (HTTP-01 answered on port 80).
        hsts: true while the certificate served is trusted (HSTS sent then).
        clock: the time source of session expiry (a test advances its own).
        port80_only: after the hand-over to Postfix and Dovecot: port 80 only
            (challenge, autoconfig, redirect), no webmail (the ``http`` service).
    """
    # Pages say <html lang>, and the browser's date formats take it: "auto" is a setting,
    # not a language, so it is resolved here (en or fr) for every page and sentence.
    config = effective_config(config)
    https_port = https_internal_port(config) if https_enabled(config) and not port80_only else None
    web = config.webmail
    ctx = WebmailContext(
        config=config,
        users=users,
        throttle=throttle,
        view=MailView(store),
        book=AddressBook(store),
        submitter=submitter,
        sessions=SessionStore(web.session_idle, web.session_max, clock),
        spool=paths.root / "spool",
        env=template_env(),
    )
    return WebmailService(
        ctx,
        config.server.listen_address,
        config.ports.webmail.internal,
        https_port,
        tls,
        caps=(config.server.max_connections, config.server.max_connections_per_address),
        first_request_timeout=config.webmail.first_request_timeout,
        board=board,
        hsts=hsts,
        # where port 80 sends browsers; the port the HTTPS-off page asks to forward
        public_https_port=https_public_port(config),
        port80_only=port80_only,
    )
