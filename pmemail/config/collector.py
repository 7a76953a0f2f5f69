"""The ``[collector]`` table: the ISP's POP mailboxes fetched during the move.

Kept out of ``model`` (which stays one screenful per table) like ``backup``
and ``dyndns``; the loader and the writer walk it like every other table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pmemail.config.fields import doc, port


@dataclass
class CollectorMailbox:
    """One ISP POP mailbox fetched by the collector."""

    host: str = doc("POP3 server of the ISP.", "")
    port: int = port("POP3 port (995 for SSL, 110 for STLS).", 995)
    tls: Literal["ssl", "starttls", "none"] = doc("ssl, starttls or none.", "ssl")
    username: str = doc("Login at the ISP.", "")
    password: str = doc("Password at the ISP.", "")
    deliver_to: str = doc("Single-drop: every message to this local address.", "")
    multidrop: bool = doc("Route by Delivered-To/X-Original-To/To/Cc.", False)
    fallback: str = doc(
        "Multi-drop: where unroutable messages go; empty = hold them at the ISP for "
        "`pmemail collector assign` or `drop` (a warning at start).",
        "",
    )
    keep: bool = doc(
        "Leave fetched messages at the ISP (each fetched once, by UIDL). "
        "false (the default) = delete each message at the ISP once delivered here.",
        False,
    )
    keep_days: int = doc(
        "With keep: delete at the ISP this many days after delivery here; 0 = never.",
        0,
        lo=0,
        hi=3650,
    )
    ca_file: str = doc(
        "PEM CA bundle to verify the POP server's certificate; empty = the system's.", ""
    )


@dataclass
class CollectorConfig:
    """Fetching the ISP's POP mailbox (the old set-up, during the move)."""

    enabled: bool = doc("Run the collector.", False)
    interval: float = doc("Seconds between fetches (10 minutes).", 600.0, lo=0.05, hi=86400)
    timeout: float = doc("Seconds for one POP3 operation.", 60.0, lo=0.05)
    mailboxes: list[CollectorMailbox] = doc(
        "ISP mailboxes to fetch.",
        factory=list,
        example='[[collector.mailboxes]]\nhost = "pop.isp.example"\nport = 995\ntls = "ssl"\n'
        'username = "office"\npassword = "secret"\ndeliver_to = "info@example.be"\n'
        "keep = false  # the default: delete at the ISP once delivered here; true = leave it\n"
        "keep_days = 0  # with keep: delete at the ISP N days after delivery; 0 = never",
    )
