"""The certificate a local TLS port serves: connect, STARTTLS if the protocol has it, read it.

The doctor asks each of the server's own TLS ports (SMTP 25, submission,
implicit TLS 465, IMAP, POP3, HTTPS) for its certificate, as a mail program
would. The certificate is handed back as DER bytes and judged above
(``pmemail.app``), where the certificate's facts are parsed once
(``mailcore.certs.info``): netcore stays free of mailcore.

The handshake does not verify anything: the point is to read what is
served, including a self-signed or expired certificate.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pmemail.config.model import Config

StartTls = Literal["smtp", "imap", "pop3", "none"]
"""How TLS starts: after the protocol's STARTTLS/STLS command, or at once ("none")."""

MAX_REPLY = 16 * 1024  # a greeting plus an EHLO answer: never more than a few lines


class TlsProbeError(Exception):
    """The port answered, but not with TLS (the protocol refused STARTTLS, or garbage)."""


@dataclass(frozen=True)
class TlsEndpoint:
    """One TLS port of this machine's server."""

    name: str  # smtp, submission, submission-587, smtps, imap, pop3, https
    port: int
    starttls: StartTls


def tls_endpoints(config: Config) -> list[TlsEndpoint]:
    """The server's TLS ports on this machine, as ``pmemail serve`` opens them."""
    ports, mail = config.ports, config.mail
    here = {name: m for name, m in ports.items() if m.enabled and not m.internal_host.strip()}
    out: list[TlsEndpoint] = []
    if "smtp" in here:
        out.append(TlsEndpoint("smtp", here["smtp"].internal, "smtp"))
    submission = ports.submission.internal
    # the submission listeners run whatever the plan forwards (mailcore/smtp/service.py)
    for port in dict.fromkeys([submission, *mail.submission_extra_ports]):
        name = "submission" if port == submission else f"submission-{port}"
        out.append(TlsEndpoint(name, port, "smtp"))
    if mail.smtps_port:
        out.append(TlsEndpoint("smtps", mail.smtps_port, "none"))
    if "imap" in here:
        out.append(TlsEndpoint("imap", here["imap"].internal, "imap"))
    if "pop3" in here:
        out.append(TlsEndpoint("pop3", here["pop3"].internal, "pop3"))
    if "https" in here:
        # the legacy key wins when set (pmemail/config/model.py: server.https_port)
        out.append(TlsEndpoint("https", config.server.https_port or here["https"].internal, "none"))
    return out


def probe_address(config: Config) -> str:
    """Where the local services answer: the listen address, or loopback for a wildcard."""
    host = config.server.listen_address.strip()
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def served_certificate(
    host: str, port: int, starttls: StartTls, server_name: str, timeout: float
) -> bytes:
    """The DER certificate served on ``host:port`` (after STARTTLS when ``starttls`` says so).

    Args:
        server_name: sent as SNI, as a mail program configured with the host name does.
        timeout: for the connection and each reply.

    Raises:
        ConnectionRefusedError: nothing listens there.
        TlsProbeError: the protocol did not let TLS start.
        OSError: the connection or the handshake failed (``ssl.SSLError`` is one).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # read whatever is served: judged by the caller
    with socket.create_connection((host, port), timeout=timeout) as raw:
        if starttls != "none":
            _start_tls(raw, starttls)
        with context.wrap_socket(raw, server_hostname=server_name or None) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise TlsProbeError("no certificate was served")
    return der


def _smtp_done(last: bytes) -> bool:
    return last[3:4] != b"-"  # "250-..." continues, "250 ..." ends the reply


def _tagged(last: bytes) -> bool:
    return last.startswith(b"a1 ")  # untagged "* ..." lines may come before it


def _one_line(last: bytes) -> bool:
    return True


def _start_tls(sock: socket.socket, protocol: StartTls) -> None:
    """Greeting, then the protocol's STARTTLS; raises TlsProbeError when refused."""
    if protocol == "smtp":
        exchange = [(b"", _smtp_done, b"220"), (b"EHLO pmemail-doctor\r\n", _smtp_done, b"250")]
        exchange.append((b"STARTTLS\r\n", _smtp_done, b"220"))
    elif protocol == "imap":
        exchange = [(b"", _one_line, b"* OK"), (b"a1 STARTTLS\r\n", _tagged, b"a1 OK")]
    else:
        exchange = [(b"", _one_line, b"+OK"), (b"STLS\r\n", _one_line, b"+OK")]
    for command, done, ok in exchange:
        if command:
            sock.sendall(command)
        last = _reply(sock, done)
        if not last.startswith(ok):
            raise TlsProbeError(last.decode("ascii", "replace")[:200])


def _reply(sock: socket.socket, done: Callable[[bytes], bool]) -> bytes:
    """Read one complete reply; its last line (without CRLF)."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            raise TlsProbeError("the connection closed before TLS started")
        data += chunk
        if len(data) > MAX_REPLY:
            raise TlsProbeError("an endless reply before TLS started")
        if data.endswith(b"\n"):
            last = data.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].strip(b"\r")
            if done(last):
                return last
