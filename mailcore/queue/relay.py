"""Sending queued mail: one SMTP transaction per destination, per-recipient results.

Blocking ``smtplib`` is run from the queue runner in a worker thread. The
message is streamed from its file (``mailcore.dotstuff``: dot-stuffed, CRLF
line ends, no line held whole) instead of ``smtplib.SMTP.data``, which would
hold several copies of a 100 MB drawing in memory.

Routes: ``relay.mode`` ``smarthost`` (or ``auto`` with ``relay.host`` set) sends
every recipient through the ISP relay with verified TLS and optional AUTH;
``direct`` groups recipients by domain and tries the domain's MX hosts in
order with opportunistic STARTTLS (RFC 3207: an MX's certificate is rarely
verifiable, so it is encrypted without verification, as Postfix's ``may``).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mailcore import dotstuff
from mailcore.queue.mx import DestinationError, MxResolver, parse_nameserver
from pmemail.config.mail_policy import uses_smarthost
from pmemail.config.model import Config, RelayConfig

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """What happened to one recipient in one attempt."""

    code: int  # SMTP reply code; 0 = no reply (network, DNS or TLS error)
    text: str
    remote: str = ""  # host that answered, for the DSN's Remote-MTA

    @property
    def ok(self) -> bool:
        """Accepted by the next hop."""
        return 200 <= self.code < 300

    @property
    def permanent(self) -> bool:
        """A 5xx answer: retrying cannot help."""
        return 500 <= self.code < 600

    def describe(self) -> str:
        """One line for logs, ``last_error`` and the DSN's Diagnostic-Code."""
        return f"{self.code} {self.text}" if self.code else self.text


@dataclass(frozen=True)
class Body:
    """What DATA carries: header fields made by the queue, then the stored file."""

    path: Path
    prefix: bytes = b""


@dataclass(frozen=True)
class Hop:
    """One SMTP server to connect to and how."""

    host: str
    port: int
    tls: str  # "starttls" | "tls" | "none" | "opportunistic"
    username: str = ""
    password: str = ""
    ca_file: str = ""
    address: str = ""  # where to connect ("" = resolve ``host`` with the system's resolver)


class RelayClient:
    """Delivers a message to remote recipients via the smarthost or their MX hosts."""

    def __init__(
        self,
        relay: RelayConfig,
        helo_name: str,
        timeout: float,
        resolver: MxResolver | None = None,
        direct_port: int = 25,
    ) -> None:
        self.relay = relay
        self.helo_name = helo_name
        self.timeout = timeout
        self.resolver = resolver or MxResolver()
        self.direct_port = direct_port  # 25 in production; tests point it at a loopback sink

    @classmethod
    def from_config(cls, config: Config) -> RelayClient:
        """A client using ``relay.*``, ``queue.connect_timeout`` and ``network.resolver``."""
        host, port = (
            parse_nameserver(config.network.resolver) if config.network.resolver else ("", 53)
        )
        resolver = MxResolver(host, port, config.network.dns_timeout)
        return cls(config.relay, config.mail.hostname, config.queue.connect_timeout, resolver)

    def uses_smarthost(self) -> bool:
        """Whether mail goes through ``relay.host`` (``auto`` = when a host is set)."""
        return uses_smarthost(self.relay)

    def send(
        self, message: Path, sender: str, recipients: Iterable[str], prefix: bytes = b""
    ) -> dict[str, Outcome]:
        """Try every recipient once (blocking); returns an outcome for each.

        ``prefix``: CRLF-ended header fields sent before the file (its DKIM signature).
        """
        rcpts = list(dict.fromkeys(recipients))
        if self.uses_smarthost():
            if not self.relay.host:
                return dict.fromkeys(
                    rcpts, Outcome(0, "relay.mode is smarthost but relay.host is empty")
                )
            r = self.relay
            hop = Hop(r.host, r.port, r.tls, r.username, r.password, r.ca_file)
            return self._transaction([hop], Body(message, prefix), sender, rcpts)
        results: dict[str, Outcome] = {}
        for domain, group in _by_domain(rcpts).items():
            try:
                hosts = self.resolver.hosts(domain)
            except DestinationError as err:
                code = 550 if err.permanent else 0
                results.update(
                    dict.fromkeys(
                        group, Outcome(code, f"5.1.2 {err}" if err.permanent else str(err))
                    )
                )
                continue
            hops, unresolved = self._mx_hops(hosts)
            if not hops:
                results.update(dict.fromkeys(group, Outcome(0, unresolved)))
                continue
            results.update(self._transaction(hops, Body(message, prefix), sender, group))
        return results

    def _mx_hops(self, hosts: list[str]) -> tuple[list[Hop], str]:
        """A hop per address of each MX host, in order; why none when the list is empty."""
        hops: list[Hop] = []
        why = "no host to try"
        for host in hosts:
            try:
                addresses = self.resolver.addresses(host)
            except DestinationError as err:
                why = str(err)
                continue
            hops += [Hop(host, self.direct_port, "opportunistic", address=a) for a in addresses]
        return hops, why

    def probe(self) -> Outcome:
        """Connect to the smarthost, STARTTLS and log in, then quit: checks the settings."""
        r = self.relay
        if not r.host:
            return Outcome(0, "no relay host set")
        hop = Hop(r.host, r.port, r.tls, r.username, r.password, r.ca_file)
        try:
            smtp = self._connect(hop)
        except (OSError, smtplib.SMTPException) as err:
            return Outcome(0, f"cannot use {r.host}:{r.port}: {_reason(err)}")
        _close(smtp)
        done = "accepted the connection and the login" if r.username else "accepted the connection"
        return Outcome(250, f"{r.host}:{r.port} {done}", r.host)

    def _transaction(
        self, hops: list[Hop], message: Body, sender: str, rcpts: list[str]
    ) -> dict[str, Outcome]:
        # Try hosts in order until one answers; an SMTP reply (even 4xx) ends the walk.
        last = Outcome(0, "no host to try")
        for hop in hops:
            try:
                smtp = self._connect(hop)
            except (OSError, smtplib.SMTPException) as err:
                last = Outcome(0, f"cannot deliver via {hop.host}:{hop.port}: {_reason(err)}")
                continue
            try:
                return _session(smtp, hop.host, message, sender, rcpts)
            except (OSError, smtplib.SMTPException) as err:
                return dict.fromkeys(
                    rcpts, Outcome(0, f"connection to {hop.host} lost: {_reason(err)}", hop.host)
                )
            finally:
                _close(smtp)
        return dict.fromkeys(rcpts, last)

    def _connect(self, hop: Hop) -> smtplib.SMTP:
        if hop.tls == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                hop.host,
                hop.port,
                local_hostname=self.helo_name,
                timeout=self.timeout,
                context=_verified_context(hop.ca_file),
            )
        else:
            smtp = smtplib.SMTP(
                hop.address or hop.host,
                hop.port,
                local_hostname=self.helo_name,
                timeout=self.timeout,
            )
        try:
            smtp.ehlo()
            if hop.tls == "starttls":
                smtp.starttls(context=_verified_context(hop.ca_file))
                smtp.ehlo()
            elif hop.tls == "opportunistic" and smtp.has_extn("starttls"):
                smtp = self._opportunistic_tls(smtp, hop)
            if hop.username:
                smtp.login(hop.username, hop.password)
        except BaseException:
            _close(smtp)
            raise
        return smtp

    def _opportunistic_tls(self, smtp: smtplib.SMTP, hop: Hop) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            smtp.starttls(context=ctx)
            smtp.ehlo()
            return smtp
        except (ssl.SSLError, smtplib.SMTPException, ConnectionError):
            # A broken TLS stack at the MX (a failed handshake may also surface as a
            # reset): deliver in clear rather than not at all, as Postfix's "may" does.
            _close(smtp)
            plain = smtplib.SMTP(
                hop.address or hop.host,
                hop.port,
                local_hostname=self.helo_name,
                timeout=self.timeout,
            )
            plain.ehlo()
            return plain


def _session(
    smtp: smtplib.SMTP, host: str, message: Body, sender: str, rcpts: list[str]
) -> dict[str, Outcome]:
    options = []
    if smtp.has_extn("size"):
        options.append(f"SIZE={message.path.stat().st_size + len(message.prefix)}")
    if smtp.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    code, text = smtp.mail(sender, options)
    if code >= 300:
        return dict.fromkeys(rcpts, Outcome(code, _text(text), host))
    results: dict[str, Outcome] = {}
    accepted: list[str] = []
    for rcpt in rcpts:
        code, text = smtp.rcpt(rcpt)
        results[rcpt] = Outcome(code, _text(text), host)
        if 200 <= code < 300:
            accepted.append(rcpt)
    if not accepted:
        smtp.rset()
        return results
    smtp.putcmd("data")
    code, text = smtp.getreply()
    if code != 354:
        final = Outcome(code, _text(text), host)
    else:
        _stream_body(smtp, message)
        code, text = smtp.getreply()
        final = Outcome(code, _text(text), host)
    results.update(dict.fromkeys(accepted, final))
    return results


def _stream_body(smtp: smtplib.SMTP, message: Body) -> None:
    """Send the file as DATA content: CRLF line ends, leading dots doubled, then ``.``."""
    if message.prefix:
        smtp.send(message.prefix)  # header fields: no line starts with a dot
    with message.path.open("rb") as f:
        for chunk in dotstuff.stuffed(f, chunk=_CHUNK):
            smtp.send(chunk)
    smtp.send(b".\r\n")


def _by_domain(rcpts: list[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rcpt in rcpts:
        groups.setdefault(rcpt.rpartition("@")[2].lower(), []).append(rcpt)
    return groups


def _verified_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file or None)


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())


def _reason(err: BaseException) -> str:
    if isinstance(err, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(err, smtplib.SMTPResponseException):
        return f"{err.smtp_code} {_text(err.smtp_error)}"
    return str(err) or type(err).__name__


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
