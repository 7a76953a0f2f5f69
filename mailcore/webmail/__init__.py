"""The webmail: read and send mail from a browser (aiohttp + Jinja), and client autoconfig.

``build_webmail_service`` is what ``pmemail serve`` (``pmemail.serve.composition``)
calls; ``PolicySubmitter`` is the submission path the webmail sends through.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

from mailcore.interfaces import LocalDelivery, UserDirectory
from mailcore.mailstore import MailStore
from mailcore.smtp.handlers import OutboundQueue
from mailcore.throttle import AuthThrottle
from mailcore.webmail.context import WebmailContext, template_env
from mailcore.webmail.mailview import MailView
from mailcore.webmail.service import WebmailService
from mailcore.webmail.sessions import SessionStore
from mailcore.webmail.submit import PolicySubmitter, SubmitError, Submitter
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
    clock: Callable[[], float] = time.monotonic,
) -> WebmailService:
    """The webmail service on ``ports.webmail.internal`` (+ ``server.https_port``).

    Args:
        config: the loaded configuration.
        paths: the data dir (uploads are spooled in ``<data_dir>/spool``).
        users: the user directory (login).
        throttle: the login throttle shared with SMTP/IMAP/POP3.
        store: the mailbox store shared with IMAP (so flags and moves are shared).
        submitter: how to send (``build_submitter``).
        tls: the server TLS context (``mailcore.certs.keeper``), used when
            ``server.https_port`` is set.
        clock: the time source of session expiry (a test advances its own).
    """
    https_port: int | None = config.server.https_port or None
    web = config.webmail
    ctx = WebmailContext(
        config=config,
        users=users,
        throttle=throttle,
        view=MailView(store),
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
    )
