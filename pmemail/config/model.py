"""The typed configuration model: every key, its default and its meaning.

Each field's ``metadata`` carries ``doc`` (the comment written into the TOML
file by ``pmemail init``) and, for numbers, ``min``/``max`` (declared with the
helpers of ``pmemail.config.fields``). The loader and the
writer both walk these dataclasses, so a key is declared exactly once.
Key names are a public interface (README): rename only with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pmemail.config.backup import BackupConfig
from pmemail.config.collector import CollectorConfig
from pmemail.config.dyndns import DyndnsConfig
from pmemail.config.fields import doc, optional_port, port
from pmemail.config.guards import AcmeConfig, AntispamConfig, DkimConfig, SecurityConfig

TlsMode = Literal["starttls", "tls", "none"]
RelayMode = Literal["auto", "smarthost", "direct"]
Protocol = Literal["TCP", "UDP"]
Language = Literal["en", "fr"]
LanguageSetting = Literal["auto", "en", "fr"]
PlainHttp = Literal["redirect", "lan"]
MailEngine = Literal["pmemail", "postfix-dovecot"]
HANDED_OVER: MailEngine = "postfix-dovecot"
"""``server.mail_engine`` once Postfix and Dovecot serve the mail (``pmemail handover done``)."""


@dataclass
class PortMapping:
    """One line of the port plan: what the router forwards where."""

    external: int = port("Port opened on the router's public address.", 25)
    internal: int = port("Port the service listens on inside the office.", 25)
    internal_host: str = doc(
        "LAN address the router forwards to; empty = this machine's LAN address.", ""
    )
    protocol: Protocol = doc("TCP or UDP.", "TCP")
    description: str = doc("Shown in the router's table (prefixed with 'pmemail').", "")
    enabled: bool = doc("Forward this port at all.", True)


def _mapping(external: int, internal: int, description: str, host: str = "") -> Any:
    return field(
        default_factory=lambda: PortMapping(external, internal, host, "TCP", description, True),
        metadata={"doc": description},
    )


@dataclass
class PortPlan:
    """The ports the router forwards. Never a DMZ: only these."""

    smtp: PortMapping = _mapping(25, 25, "SMTP in: mail from the internet")
    submission: PortMapping = _mapping(
        1234, 1234, "SMTP submission for roaming staff (hotel ISPs block 25)"
    )
    imap: PortMapping = _mapping(143, 143, "IMAP (STARTTLS)")
    pop3: PortMapping = _mapping(110, 110, "POP3 (STLS)")
    webmail: PortMapping = _mapping(80, 80, "Web: ACME challenge and redirect to HTTPS")
    https: PortMapping = _mapping(443, 443, "Webmail, autoconfig and autodiscover over HTTPS")
    remote_desktop: PortMapping = _mapping(
        20800, 3389, "Remote desktop to another office PC", "192.168.1.20"
    )

    def items(self) -> list[tuple[str, PortMapping]]:
        """The plan's entries as (name, mapping), in declaration order."""
        return [(name, getattr(self, name)) for name in self.__dataclass_fields__]


@dataclass
class MailConfig:
    """The mail domain and how the server presents itself."""

    domain: str = doc("The office's mail domain (the part after @).", "example.be")
    hostname: str = doc("Public host name of this server (the MX target).", "mail.example.be")
    extra_domains: list[str] = doc("Other domains delivered here.", factory=list)
    max_message_size: int = doc(
        "Largest accepted message in bytes (SIZE); 150 MiB takes a 100 MiB attachment, "
        "which base64 makes about 137 MiB.",
        157_286_400,
        lo=1024,
        hi=2**40,
    )
    tls_cert: str = doc("PEM certificate; empty = the one generated in data_dir/tls.", "")
    tls_key: str = doc("PEM private key for tls_cert.", "")
    submission_extra_ports: list[int] = doc(
        "More internal ports that accept authenticated submission (587).", factory=lambda: [587]
    )
    smtps_port: int = optional_port("Implicit-TLS submission port (465); 0 = off.")


@dataclass
class NetworkConfig:
    """How the ISP subscription is checked."""

    interface: str = doc("LAN interface; empty = the one carrying the default route.", "")
    echo_url: list[str] = doc(
        "echoip-compatible services: GET /ip gives our public address, "
        "GET /port/N tells whether port N is reachable from outside.",
        factory=lambda: ["https://ifconfig.co"],
    )
    port25_probes: list[str] = doc(
        "host:port list used to test whether the ISP blocks outbound port 25.",
        factory=lambda: ["gmail-smtp-in.l.google.com:25", "smtp.gmail.com:587"],
    )
    resolver: str = doc("DNS server address for checks; empty = the system's.", "")
    http_timeout: float = doc("Seconds for one echo-service request.", 4.0, lo=0.05, hi=120)
    connect_timeout: float = doc("Seconds for one TCP probe.", 4.0, lo=0.05, hi=120)
    dns_timeout: float = doc("Seconds for one DNS query.", 3.0, lo=0.05, hi=60)
    check_timeout: float = doc("Upper bound for any single doctor check.", 8.0, lo=0.1, hi=300)
    upnp_discover_ms: int = doc(
        "How long SSDP discovery waits for the router, ms.", 1000, lo=10, hi=30000
    )
    natpmp_timeout: float = doc("Seconds to wait for a NAT-PMP/PCP answer.", 1.0, lo=0.05, hi=30)
    lease_seconds: int = doc(
        "Lease requested for each router mapping; renewed before expiry.", 3600, lo=0, hi=604800
    )
    renew_margin: float = doc(
        "Renew a mapping when this fraction of its lease is left.", 0.5, lo=0.05, hi=0.95
    )
    monitor_interval: float = doc(
        "Seconds between checks that mappings are still on the router.", 60.0, lo=0.1, hi=86400
    )


@dataclass
class IspConfig:
    """What the admin knows about the subscription and the router."""

    profile: str = doc("ISP/router profile name from router_profiles (e.g. 'proximus').", "")
    router_profile: str = doc("Router family profile name (e.g. 'fritzbox').", "")
    fixed_ip: Literal["yes", "no", "unknown"] = doc(
        "The admin's own answer: does the contract give a fixed address?", "unknown"
    )


@dataclass
class RelayConfig:
    """How outbound mail leaves the office."""

    mode: RelayMode = doc(
        "auto = smarthost when port 25 is blocked or a host is set; "
        "smarthost; direct = to the recipient's MX.",
        "auto",
    )
    host: str = doc("ISP smarthost (e.g. relay.proximus.be); empty = none.", "")
    port: int = port("Smarthost port.", 587)
    tls: TlsMode = doc("starttls, tls (implicit) or none.", "starttls")
    username: str = doc("Smarthost login; empty = no AUTH.", "")
    password: str = doc("Smarthost password.", "")
    ca_file: str = doc(
        "PEM CA bundle to verify the smarthost's certificate; empty = the system's.", ""
    )


@dataclass
class QueueConfig:
    """Retries and bounces of the outbound queue."""

    first_retry: float = doc("Seconds before the first retry.", 300.0, lo=0, hi=86400)
    retry_factor: float = doc("Each retry waits this much longer.", 1.5, lo=1.0, hi=10)
    max_retry_interval: float = doc("Longest wait between retries, s.", 14400.0, lo=0, hi=604800)
    give_up_after: float = doc("Bounce after this many seconds (5 days).", 432000.0, lo=0)
    delay_warning_after: float = doc("Warn the sender after this many s.", 14400.0, lo=0)
    scan_interval: float = doc("Seconds between queue runs.", 30.0, lo=0.01, hi=3600)
    connect_timeout: float = doc("Seconds to connect to a remote server.", 30.0, lo=0.05)
    concurrency: int = doc(
        "Messages delivered at the same time (each one or a few SMTP connections).", 8, lo=1, hi=256
    )


@dataclass
class Pop3Config:
    """The POP3 server (RFC 1939) for users who download their mail."""

    idle_timeout: float = doc(
        "Seconds of client silence before the server hangs up (RFC 1939 asks for 600).",
        600.0,
        lo=0.05,
        hi=86400,
    )
    login_timeout: float = doc(
        "Seconds of silence allowed before a client has logged in.", 60.0, lo=0.05, hi=86400
    )


@dataclass
class ImapConfig:
    """The IMAP server (RFC 3501) for users who keep their mail on the server."""

    idle_timeout: float = doc(
        "Seconds of client silence before the server hangs up (RFC 3501: at least 1800).",
        1800.0,
        lo=0.05,
        hi=86400,
    )
    login_timeout: float = doc(
        "Seconds of silence allowed before a client has logged in (RFC 3501's 30 minutes "
        "apply after login).",
        60.0,
        lo=0.05,
        hi=86400,
    )
    idle_poll: float = doc(
        "Seconds between checks of an open folder for mail written by other programs, "
        "only where inotify is unavailable (not Linux, or its watch limit reached); "
        "one check per folder, however many clients IDLE on it.",
        0.4,
        lo=0.01,
        hi=60,
    )


@dataclass
class WebmailConfig:
    """The webmail (browser access on ports.webmail / server.https_port)."""

    session_idle: float = doc(
        "Seconds of inactivity after which a webmail login expires.", 1800.0, lo=1, hi=604800
    )
    session_max: float = doc(
        "Seconds after which a webmail login expires whatever happens.", 43200.0, lo=1, hi=2592000
    )
    page_size: int = doc("Messages per page in the message list.", 50, lo=5, hi=1000)
    first_request_timeout: float = doc(
        "Seconds a new browser connection may stay silent before its first request.",
        60.0,
        lo=0.05,
        hi=3600,
    )
    plain_http: PlainHttp = doc(
        "Port 80: redirect = only the ACME challenge and a redirect to HTTPS (default); "
        "lan = also the webmail in plain HTTP for the office's own networks (never "
        "for an address outside them).",
        "redirect",
    )


@dataclass
class ServerConfig:
    """The `pmemail serve` process."""

    listen_address: str = doc("Address the services bind to.", "0.0.0.0")
    user: str = doc(
        "Unprivileged account the services run as: started as root, pmemail serve binds "
        "its ports, then becomes this user. Empty = stay root (not recommended).",
        "pmemail",
    )
    control_socket: str = doc("Unix socket for status; empty = data_dir/pmemail.sock.", "")
    pidfile: str = doc("Pid file; empty = data_dir/pmemail.pid.", "")
    log_file: str = doc("Log file; empty = data_dir/logs/pmemail.log.", "")
    https_port: int = optional_port(
        "Kept for old files: a non-zero value overrides ports.https.internal. "
        "HTTPS is on or off with ports.https.enabled."
    )
    manage_router: bool = doc(
        "Keep the router's port mappings in place while serving (re-add, renew leases).", True
    )
    stop_timeout: float = doc(
        "Seconds each service gets to stop on SIGTERM before it is abandoned.",
        30.0,
        lo=0.1,
        hi=3600,
    )
    max_connections: int = doc(
        "Open connections each listening port accepts at once; more are refused at once.",
        500,
        lo=1,
        hi=100_000,
    )
    max_connections_per_address: int = doc(
        "Open connections one client address may hold on each listening port.",
        50,
        lo=1,
        hi=100_000,
    )
    mail_engine: MailEngine = doc(
        "Who serves the mail ports: pmemail (its own services, the default) or "
        "postfix-dovecot (handed over with `pmemail export postfix-dovecot`: the dashboard "
        "and the doctor then watch Postfix and Dovecot on the same ports, and pmemail serve "
        "runs only the network side: router leases, dynamic DNS, backups, certificates).",
        "pmemail",
    )


@dataclass
class DashboardConfig:
    """The live dashboard of the terminal app."""

    local_refresh: float = doc(
        "Seconds between refreshes of local facts (server, queue, log).", 3.0, lo=0.05, hi=3600
    )
    network_refresh: float = doc(
        "Seconds between refreshes of the router table and outside reachability.",
        60.0,
        lo=0.5,
        hi=86400,
    )
    log_lines: int = doc("Recent log lines shown.", 200, lo=1, hi=10000)
    start_timeout: float = doc(
        "Seconds the dashboard waits for a started `pmemail serve` to answer.", 30.0, lo=0.5, hi=600
    )


@dataclass
class Config:
    """The whole pmemail configuration (one TOML file)."""

    data_dir: str = doc("Where mail, queue, users and state live.", "~/.local/share/pmemail")
    language: LanguageSetting = doc(
        "Language of the app and the commands: auto (from LANG / LC_MESSAGES, else English), "
        "en or fr. `pmemail --lang fr ...` overrides it for one run.",
        "auto",
    )
    mail: MailConfig = field(default_factory=MailConfig, metadata={"doc": MailConfig.__doc__})
    ports: PortPlan = field(default_factory=PortPlan, metadata={"doc": PortPlan.__doc__})
    network: NetworkConfig = field(
        default_factory=NetworkConfig, metadata={"doc": NetworkConfig.__doc__}
    )
    isp: IspConfig = field(default_factory=IspConfig, metadata={"doc": IspConfig.__doc__})
    relay: RelayConfig = field(default_factory=RelayConfig, metadata={"doc": RelayConfig.__doc__})
    queue: QueueConfig = field(default_factory=QueueConfig, metadata={"doc": QueueConfig.__doc__})
    collector: CollectorConfig = field(
        default_factory=CollectorConfig, metadata={"doc": CollectorConfig.__doc__}
    )
    security: SecurityConfig = field(
        default_factory=SecurityConfig, metadata={"doc": SecurityConfig.__doc__}
    )
    server: ServerConfig = field(
        default_factory=ServerConfig, metadata={"doc": ServerConfig.__doc__}
    )
    pop3: Pop3Config = field(default_factory=Pop3Config, metadata={"doc": Pop3Config.__doc__})
    imap: ImapConfig = field(default_factory=ImapConfig, metadata={"doc": ImapConfig.__doc__})
    webmail: WebmailConfig = field(
        default_factory=WebmailConfig, metadata={"doc": WebmailConfig.__doc__}
    )
    acme: AcmeConfig = field(default_factory=AcmeConfig, metadata={"doc": AcmeConfig.__doc__})
    dkim: DkimConfig = field(default_factory=DkimConfig, metadata={"doc": DkimConfig.__doc__})
    antispam: AntispamConfig = field(
        default_factory=AntispamConfig, metadata={"doc": AntispamConfig.__doc__}
    )
    dashboard: DashboardConfig = field(
        default_factory=DashboardConfig, metadata={"doc": DashboardConfig.__doc__}
    )
    backup: BackupConfig = field(
        default_factory=BackupConfig, metadata={"doc": BackupConfig.__doc__}
    )
    dyndns: DyndnsConfig = field(
        default_factory=DyndnsConfig, metadata={"doc": DyndnsConfig.__doc__}
    )
