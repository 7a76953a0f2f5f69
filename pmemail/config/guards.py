"""The configuration tables that guard the server: logins, certificates, DKIM, port 25.

Declared like the rest of :mod:`pmemail.config.model` (which includes them in
``Config``): each key once, with its default, its documentation and its bounds.
Key names are a public interface (README): rename only with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pmemail.config.fields import doc

ChallengeType = Literal["auto", "http-01", "tls-alpn-01"]


@dataclass
class SecurityConfig:
    """Authentication policy."""

    plaintext_auth_on_loopback: bool = doc(
        "Allow password login without TLS from 127.0.0.1 and ::1 only (tests, local scripts).",
        False,
    )
    max_failures: int = doc(
        "Wrong passwords per (client address, user) before a temporary lock.", 5, lo=1, hi=1000
    )
    lock_seconds: float = doc("How long such a lock lasts.", 900.0, lo=0, hi=86400)
    failure_delay: float = doc(
        "Base delay after a wrong password, doubled at each failure.", 1.0, lo=0, hi=60
    )
    failure_delay_max: float = doc(
        "Longest wait before a wrong-password answer (caps that doubling; the"
        " connection is held no longer).",
        5.0,
        lo=0,
        hi=60,
    )
    max_failures_per_address: int = doc(
        "Wrong passwords from one client address across all users before that address"
        " is locked (password spraying).",
        20,
        lo=1,
        hi=100000,
    )
    office_max_failures: int = doc(
        "Like max_failures, for the office's own addresses (see office_networks).",
        25,
        lo=1,
        hi=10000,
    )
    office_max_failures_per_address: int = doc(
        "Like max_failures_per_address, for the office's own addresses.", 250, lo=1, hi=100000
    )
    max_unknown_recipients: int = doc(
        "Unknown recipients one client address may try on port 25 within lock_seconds;"
        " past that every recipient gets a temporary 450 (address harvesting learns nothing).",
        20,
        lo=1,
        hi=100000,
    )
    office_networks: list[str] = doc(
        "The office's networks (CIDR, e.g. 192.168.1.0/24), given the office budgets;"
        " empty = the LAN of network.interface. The public address last seen is added.",
        factory=list,
    )


@dataclass
class AcmeConfig:
    """A trusted certificate from an ACME CA (Let's Encrypt) for the mail host name.

    Renewal starts when the certificate has less than renew_before_days left,
    or a third of its lifetime (whichever comes first), with back-off on failure.
    """

    enabled: bool = doc(
        "Obtain and renew a certificate with ACME; off = the self-signed one "
        "(a certificate in mail.tls_cert is always used as is).",
        True,
    )
    directory: str = doc("ACME directory URL; empty = Let's Encrypt (production, or staging).", "")
    staging: bool = doc(
        "With directory empty: Let's Encrypt's staging CA (test certificates that "
        "browsers do not trust, generous rate limits).",
        False,
    )
    contact: str = doc("E-mail for the CA's notices; empty = postmaster@<mail.domain>.", "")
    extra_names: list[str] = doc(
        "More names for the certificate; each must point at the office.", factory=list
    )
    client_names: bool = doc(
        "Add autoconfig., autodiscover. and mta-sts. of each mail domain whose DNS "
        "points at the office.",
        True,
    )
    challenge: ChallengeType = doc(
        "auto = HTTP-01 on port 80, then TLS-ALPN-01 on 443 when 80 fails; "
        "or only http-01, or only tls-alpn-01.",
        "auto",
    )
    ca_file: str = doc(
        "PEM file trusted for the directory's HTTPS (a private ACME CA); empty = the system's.",
        "",
    )
    renew_before_days: float = doc(
        "Renew when the certificate has fewer days left than this.", 30.0, lo=0.0001, hi=365
    )
    check_interval: float = doc(
        "Seconds between checks whether the certificate needs renewing.",
        43200.0,
        lo=0.05,
        hi=604800,
    )
    retry_first: float = doc(
        "Seconds before retrying after a failed attempt; doubled at each failure.",
        3600.0,
        lo=0.05,
        hi=604800,
    )
    retry_max: float = doc(
        "Longest wait between failed attempts (the CA's rate limits stay far away).",
        86400.0,
        lo=0.05,
        hi=2592000,
    )
    timeout: float = doc(
        "Seconds the CA gets to validate the names and issue one certificate.",
        120.0,
        lo=1,
        hi=3600,
    )
    after_renew: list[str] = doc(
        "Command run after each new certificate, as a list (program and arguments, no "
        'shell), e.g. ["systemctl", "reload", "postfix", "dovecot"] after the hand-over to '
        "Postfix and Dovecot, which read the same files; empty = none (pmemail's own "
        "services take the new certificate by themselves).",
        factory=list,
    )
    after_renew_timeout: float = doc(
        "Seconds the after_renew command may run before it is stopped (a failure then).",
        60.0,
        lo=1,
        hi=3600,
    )


_BLOCKED_EXTENSIONS = [
    "exe",
    "com",
    "scr",
    "pif",
    "bat",
    "cmd",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "hta",
    "cpl",
    "msi",
    "msp",
    "msc",
    "lnk",
    "jar",
    "ps1",
    "reg",
    "iso",
    "img",
    "vhd",
]


@dataclass
class AntispamConfig:
    """Checks of mail arriving from the internet on port 25 (never of submission).

    Every check fails open: a DNS timeout or a spam engine that does not answer
    lets the mail through (logged once), it never refuses it.
    """

    sender_auth: bool = doc(
        "Check SPF, DKIM and DMARC; refuse mail forging the office's own domains and "
        "mail whose domain's DMARC policy says reject.",
        True,
    )
    dnsbl: list[str] = doc(
        "DNS blocklists asked about each connecting address (empty = none). Spamhaus "
        "ZEN is free for small, non-commercial use and refuses queries from public "
        "resolvers (8.8.8.8, 1.1.1.1): use your own or your ISP's resolver.",
        factory=lambda: ["zen.spamhaus.org"],
    )
    dnsbl_timeout: float = doc(
        "Seconds for one blocklist lookup (a slow list lets the client in).", 2.0, lo=0.05, hi=30
    )
    rspamd_url: str = doc(
        "The rspamd spam engine (its /checkv2 protocol); empty = no engine (basic checks only).",
        "http://127.0.0.1:11333",
    )
    rspamd_timeout: float = doc(
        "Seconds rspamd gets to score one message (then it is delivered unscored).",
        20.0,
        lo=0.05,
        hi=300,
    )
    reject_score: float = doc("Refuse mail scoring this much or more.", 15.0, lo=0, hi=1000)
    junk_score: float = doc(
        "Deliver mail scoring this much or more to the recipient's Junk folder.", 6.0, lo=0, hi=1000
    )
    max_scan_size: int = doc(
        "Larger messages skip DKIM verification and spam scoring (they are held in memory "
        "by both).",
        25_000_000,
        lo=0,
    )
    blocked_extensions: list[str] = doc(
        "Attachment file types refused (also inside zip files and behind a second "
        "extension, e.g. invoice.pdf.exe); empty = no attachment check.",
        factory=lambda: list(_BLOCKED_EXTENSIONS),
    )
    greylisting: bool = doc(
        "Defer a first attempt from an unknown server with 451 (real servers retry; "
        "much spamware does not). Delays first mail from new senders by greylist_delay.",
        False,
    )
    greylist_delay: float = doc(
        "Seconds a greylisted sender must wait before its retry is accepted.", 300.0, lo=0, hi=86400
    )
    greylist_keep: float = doc(
        "Seconds a server that retried stays known (never greylisted again).",
        3110400.0,
        lo=0,
        hi=31536000,
    )
    greylist_whitelist: list[str] = doc(
        "Never greylisted: sender addresses, sender domains or client networks (CIDR).",
        factory=list,
    )


@dataclass
class DkimConfig:
    """Outgoing mail: DKIM signatures and the published mail-authentication records.

    Keys live in data_dir/dkim/<domain>/<selector>.key (RSA 2048, mode 0600),
    made by `pmemail init`, at server start when missing, and by
    `pmemail dkim rotate`.
    """

    enabled: bool = doc("Sign every message leaving through the queue with DKIM.", True)
    selector: str = doc(
        "DKIM selector; empty = the newest key of each domain (`pmemail dkim rotate`).", ""
    )
    dmarc_policy: Literal["none", "quarantine", "reject"] = doc(
        "DMARC policy shown by `pmemail dns records`: start with none, tighten once the "
        "reports show only your own mail.",
        "none",
    )
    mta_sts_mode: Literal["testing", "enforce", "none"] = doc(
        "MTA-STS policy mode served at https://mta-sts.<domain>/.well-known/mta-sts.txt.",
        "testing",
    )
