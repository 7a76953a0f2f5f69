"""Which services ``pmemail serve`` runs, built from the config.

The one place that knows every service class: the supervisor only sees
``Service`` objects (and the control commands), and each service receives
only what it needs. The order of the list is the start order; stopping runs
backwards, so the Maildir committer (first) is flushed after every transport
(later) is closed, and the queue runner is up before submission can hand it
mail.

Every TLS listener gets the same ``CertificateKeeper.context``: a renewed
certificate reaches SMTP, IMAP, POP3 and HTTPS at once, without a restart.

After the hand-over (``server.mail_engine = "postfix-dovecot"``) Postfix and
Dovecot hold the mail ports, yet the office still needs what only this
process does: the router's leases (renewed only while it runs), the dynamic
DNS, the scheduled backups and the certificate (HTTP-01 on port 80). So the
same composition builds only those (:data:`NETWORK_SIDE`); the mail services
are not built at all (they would collide on the ports) and the status names
them in ``handed_over``. One code path: the hand-over is a filter, not a
second server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mailcore.acme.challenges import ChallengeBoard
from mailcore.acme.renewal import build_certificate_renewal
from mailcore.backup.service import build_backup_service
from mailcore.certs.keeper import CertificateKeeper
from mailcore.collector import Collector, build_collector
from mailcore.delivery import MaildirDelivery
from mailcore.imap.server import build_imap_service
from mailcore.interfaces import Service
from mailcore.mailstore import MailStore
from mailcore.pop3.server import build_pop3_service
from mailcore.queue import build_queue
from mailcore.smtp.service import build_smtp_services
from mailcore.status import BackupStatus, DeliveryStatus, DyndnsStatus
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from mailcore.webmail import build_submitter, build_webmail_service
from pmemail.config.language import effective_config
from pmemail.config.model import HANDED_OVER, Config
from pmemail.config.paths import DataPaths
from pmemail.fsutil import make_private_dir
from pmemail.serve.cert_commands import CertificateCommands
from pmemail.serve.control import Answer, Handler, Request
from pmemail.serve.dyndns_service import build_dyndns, dyndns_status
from pmemail.serve.office import office_networks, public_address
from pmemail.serve.router_monitor import build_router_monitor

log = logging.getLogger(__name__)

NETWORK_SIDE = ("http", "router", "dyndns", "certificates", "backup")
"""The services ``pmemail serve`` runs after the hand-over to Postfix and Dovecot."""
MAIL_SIDE = (
    "delivery",
    "queue",
    "smtp",
    "submission",
    "imap",
    "pop3",
    "webmail",
    "collector",
)
"""The services Postfix and Dovecot replace: the status's ``handed_over`` then."""


class DeliveryService:
    """The Maildir committer as a service: stopped last so nothing pending is lost."""

    name = "delivery"

    def __init__(self, delivery: MaildirDelivery) -> None:
        self.delivery = delivery

    async def start(self) -> None:
        """Nothing to bind: the committer starts with the first delivery (what a crash
        left in ``tmp/`` was published before, by ``pmemail.serve.leftovers``)."""

    async def stop(self) -> None:
        """Commit every pending copy, then stop the fsync threads."""
        await self.delivery.aclose()

    def status(self) -> DeliveryStatus:
        """Delivered copies, fsync batches, copies waiting."""
        return self.delivery.status()


@dataclass
class ServerParts:
    """What the supervisor runs: the services in start order, and the control commands
    beyond its own."""

    services: list[Service]
    commands: dict[str, Handler] = field(default_factory=dict)
    backup_status: Callable[[], BackupStatus] | None = None
    dyndns_status: Callable[[], DyndnsStatus] | None = None
    handed_over: list[str] = field(default_factory=list)
    """The mail services not built because Postfix and Dovecot serve the mail."""


def build_server(config: Config, paths: DataPaths, config_file: Path | None = None) -> ServerParts:
    """The configured services in start order (stopped in reverse), and their commands.

    ``config_file`` is saved by the scheduled backups (``backup.interval``).
    With ``server.mail_engine = "postfix-dovecot"`` only the network side is
    built (:data:`NETWORK_SIDE`, the module's docstring says why).

    Raises:
        ServiceStartError: a service cannot even be built (e.g. an unusable
            TLS certificate); the message is one line for the admin.
    """
    config = effective_config(config)  # "auto" read once: every service speaks en or fr
    make_private_dir(paths.root, tighten=True)  # 0700: the mail below is private
    if paths.log_file.parent == paths.logs:  # ours; never tighten e.g. /var/log
        make_private_dir(paths.logs, tighten=True)
    users = UserStore.from_config(config, paths)
    delivery = MaildirDelivery(paths)
    # one throttle for every login: a storm on one protocol counts on all of them
    throttle = AuthThrottle(config.security, office=office_networks(config, paths))
    queue = build_queue(config, paths, users, delivery)
    store = MailStore(paths.maildirs)  # one store: IMAP and webmail see each other's changes
    submitter = build_submitter(config, users, delivery, queue)
    board = ChallengeBoard()  # TLS-ALPN-01 answers are read by the keeper's context
    keeper = CertificateKeeper(config, paths, board)
    keeper.load()  # before any listener: an unusable certificate is one start-up line
    tls = keeper.context  # one context for every service; reload() swaps what it serves
    mail = config.server.mail_engine != HANDED_OVER  # else Postfix and Dovecot hold the ports
    services: list[Service] = []
    if mail:
        services += [
            DeliveryService(delivery),
            queue,
            *build_smtp_services(config, paths, users, delivery, queue, throttle, tls=tls),
            build_imap_service(config, paths, users, throttle, store, tls=tls),
            build_pop3_service(config, paths, users, throttle, tls=tls),
        ]
    services.append(
        # handed over: port 80 alone ("http": the challenge, autoconfig, the redirect)
        build_webmail_service(
            config,
            paths,
            users,
            throttle,
            store,
            submitter,
            tls=tls,
            board=board,
            hsts=keeper.trusted,
            port80_only=not mail,
        )
    )
    # optional ones: None when the config turns them off
    router = build_router_monitor(config, paths)
    collector = build_collector(config, paths, users, delivery) if mail else None
    for optional in (collector, router):
        if optional is not None:
            services.append(optional)
    reported = (lambda: router.router_address) if router is not None else None
    # after the router monitor, whose address it reads; None when [dyndns] is off
    dyndns = build_dyndns(config, paths, reported)
    if dyndns is not None:
        services.append(dyndns)
    # last: the web listener answers HTTP-01 (and the keeper TLS-ALPN-01) before
    # the first attempt; None when ACME is off or the admin's certificate is served
    renewal = build_certificate_renewal(
        config, paths, board, keeper, public_address=public_address(paths, reported)
    )
    if renewal is not None:
        services.append(renewal)
    # scheduled only with backup.interval; its status (the last backup, even one made
    # by `pmemail backup`) is the status document's `backup` key either way
    backup = build_backup_service(config, paths, config_file)
    if config.backup.interval > 0:
        services.append(backup)
    certificates = CertificateCommands(
        config,
        paths,
        keeper,
        status=renewal.status if renewal is not None else None,
        renew=renewal.renew_now if renewal is not None else None,
    )
    commands = certificates.handlers()
    if collector is not None:
        commands["collector-run"] = _waker(collector)
    # the `dyndns` key: the running service's last look, else the saved state
    dyndns_key = dyndns.status if dyndns is not None else lambda: dyndns_status(config, paths)
    handed_over = [] if mail else list(MAIL_SIDE)
    if handed_over:  # the log says why no mail port is bound, before anyone wonders
        log.info(
            "mail handed over to Postfix and Dovecot (server.mail_engine): running only %s",
            ", ".join(s.name for s in services),
        )
    return ServerParts(services, commands, backup.status, dyndns_key, handed_over)


def _waker(collector: Collector) -> Handler:
    """``{"cmd": "collector-run"}``: fetch now (``pmemail collector assign|drop`` sends it)."""

    async def run_now(request: Request) -> Answer:
        collector.wake()
        return {"ok": True}

    return run_now
