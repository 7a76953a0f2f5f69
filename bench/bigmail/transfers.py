"""The transfers of the big message: SMTP in; IMAP, POP3 and webmail out.

Each function does one transfer against a running ``pmemail serve`` and
returns a :class:`Step`: the time from the command that starts it to its last
byte, the server's PSS just before and its peak during that time (sampled
from a thread, :class:`~bench.pss_sampler.PeakPss`), and what was verified.
Logging in happens before the clock starts.

The clients are the standard library's (``smtplib``, ``imaplib``,
``poplib``) and aiohttp for the webmail; IMAP and POP3 log in after
STARTTLS/STLS because the default config refuses passwords in clear.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import imaplib
import poplib
import re
import smtplib
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from bench.bigmail.message import (
    SUBJECT,
    BigMessage,
    verify_attachment,
    verify_copy,
    verify_streamed_copy,
)
from bench.method import BenchFailure, pss_tree
from bench.pss_sampler import PeakPss
from tests.webmail_support import client, login

HOST = "127.0.0.1"
TIMEOUT = 600.0  # a 100 MB transfer on a loaded machine takes seconds, not minutes
SETTLE = 3.0  # seconds after the last logout before the server's PSS is read again


@dataclass
class Step:
    """One timed transfer, a row of the table."""

    name: str
    nbytes: int  # the payload that crossed the connection (MB/s); 0 = not a bulk transfer
    seconds: float = 0.0
    pss_before: int = 0
    pss_peak: int = 0
    samples: int = 0
    hwm: int = 0  # the server's VmHWM after the step (0 = not taken)
    client_cpu: float = 0.0  # the bench process's CPU seconds: near ``seconds`` = client-bound
    verified: str = ""
    pss_after: int = (
        0  # the server's PSS once the clients logged out and it settled (0 = not taken)
    )


@contextmanager
def timed(step: Step, pid: int) -> Iterator[None]:
    """Time the block into ``step`` and sample the server's PSS while it runs."""
    with PeakPss(pid) as pss:
        start, cpu = time.perf_counter(), time.process_time()
        yield
        step.seconds = time.perf_counter() - start
        step.client_cpu = time.process_time() - cpu
    step.pss_before, step.pss_peak, step.samples = pss.before, pss.peak, pss.samples


def tls_client() -> ssl.SSLContext:
    """A client context that accepts the server's self-signed certificate (loopback only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def smtp_send(port: int, pid: int, message: BigMessage, sender: str, to: str) -> Step:
    """Send the message file on the wire as it is (no client-side copy or rewriting)."""
    step = Step(f"SMTP DATA to {to}", message.size)
    with smtplib.SMTP(HOST, port, timeout=TIMEOUT) as smtp:
        smtp.ehlo("bench.example")
        if not smtp.has_extn("size"):
            raise BenchFailure("the server does not announce SIZE")
        smtp.mail(sender, [f"SIZE={message.size}"])
        code, reply = smtp.rcpt(to)
        if code != 250:
            raise BenchFailure(f"RCPT TO {to}: {code} {reply!r}")
        assert smtp.sock is not None  # connected by the constructor
        with timed(step, pid):
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise BenchFailure(f"DATA: {code} {reply!r}")
            with open(message.path, "rb") as body:
                smtp.sock.sendfile(body)
            smtp.sock.sendall(b".\r\n")  # the message ends with CRLF: this is the end marker
            code, reply = smtp.getreply()
    if code != 250:
        raise BenchFailure(f"end of DATA: {code} {reply!r}")
    step.verified = f"250 after {message.size} B"
    return step


def imap_fetch(port: int, pid: int, user: str, password: str, message: BigMessage) -> Step:
    """``FETCH 1 BODY[]`` of the only INBOX message, compared with what was sent."""
    step = Step("IMAP FETCH BODY[]", message.size)
    imap = imaplib.IMAP4(HOST, port, timeout=TIMEOUT)
    try:
        imap.starttls(tls_client())
        imap.login(user, password)
        status, data = imap.select("INBOX")
        if status != "OK" or data[0] != b"1":
            raise BenchFailure(f"SELECT INBOX: {status} {data!r} (one message expected)")
        with timed(step, pid):
            status, parts = imap.fetch("1", "(BODY[])")
        if status != "OK" or not parts or not isinstance(parts[0], tuple):
            raise BenchFailure(f"FETCH 1 BODY[]: {status} {str(parts)[:200]}")
        step.verified = verify_copy(parts[0][1], message)
        return step
    finally:
        imap.logout()


def _imap_session(port: int, user: str, password: str) -> imaplib.IMAP4:
    """Logged in after STARTTLS, INBOX selected with its one message."""
    imap = imaplib.IMAP4(HOST, port, timeout=TIMEOUT)
    imap.starttls(tls_client())
    imap.login(user, password)
    status, data = imap.select("INBOX")
    if status != "OK" or data[0] != b"1":
        raise BenchFailure(f"SELECT INBOX: {status} {data!r} (one message expected)")
    return imap


def _fetch_streamed(imap: imaplib.IMAP4, message: BigMessage) -> str:
    """``FETCH 1 BODY.PEEK[]`` on the session's socket, the literal verified as it is read
    (PEEK: no \\Seen change, so no other session gets an untagged FLAGS in between)."""
    stream = cast(BinaryIO, imap.file)  # binary: imaplib opens it with "rb"
    imap.send(b"BIG1 FETCH 1 (BODY.PEEK[])\r\n")
    head = stream.readline()
    found = re.match(rb"\* 1 FETCH \(BODY\[\] \{(\d+)\}\r\n\Z", head)
    if found is None:
        raise BenchFailure(f"FETCH 1 BODY[]: {head[:200]!r}")
    verified = verify_streamed_copy(stream, int(found.group(1)), message)
    rest, status = stream.readline(), stream.readline()
    if rest != b")\r\n" or not status.startswith(b"BIG1 OK"):
        raise BenchFailure(f"FETCH 1 BODY[] ended with {rest[:100]!r} {status[:100]!r}")
    return verified


def imap_fetch_concurrent(
    port: int, pid: int, user: str, password: str, message: BigMessage, clients: int
) -> Step:
    """``clients`` sessions fetch ``BODY[]`` at once (each verified while it reads), then
    log out; the server's PSS is taken again once it has settled (:data:`SETTLE` s)."""
    step = Step(f"IMAP FETCH BODY[] x{clients} at once", message.size * clients)
    sessions = [_imap_session(port, user, password) for _ in range(clients)]
    results: list[str | BaseException] = []
    try:
        with timed(step, pid), ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(_fetch_streamed, s, message) for s in sessions]:
                try:
                    results.append(future.result())
                except (BenchFailure, OSError, imaplib.IMAP4.error) as error:
                    results.append(error)
    finally:
        for imap in sessions:
            with suppress(OSError, imaplib.IMAP4.error):
                imap.logout()
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise BenchFailure(f"{len(failed)} of {clients} fetches failed: {failed[0]!r}")
    time.sleep(SETTLE)
    step.pss_after = pss_tree(pid)
    step.verified = f"{clients} x {results[0]}"
    return step


def pop3_retr(port: int, pid: int, user: str, password: str, message: BigMessage) -> Step:
    """``RETR 1``, the lines joined back with CRLF (poplib strips them and the dots)."""
    step = Step("POP3 RETR", message.size)
    pop = poplib.POP3(HOST, port, timeout=TIMEOUT)
    try:
        pop.stls(tls_client())
        pop.user(user)
        pop.pass_(password)
        count, _ = pop.stat()
        if count != 1:
            raise BenchFailure(f"POP3 STAT: {count} messages, one expected")
        with timed(step, pid):
            _, lines, _ = pop.retr(1)
        step.verified = verify_copy(b"\r\n".join(lines) + b"\r\n", message)
        return step
    finally:
        pop.quit()


_MESSAGE_LINK = re.compile(r'<a href="(/msg\?[^"]+)">' + re.escape(SUBJECT) + "</a>")
_PART_LINK = re.compile(r'<a href="(/part\?[^"]+)" download>')


async def _webmail(
    port: int, pid: int, user: str, password: str, message: BigMessage, spool: Path
) -> list[Step]:
    url = f"https://{HOST}:{port}"  # the HTTPS port: as shipped, port 80 only redirects
    opened = Step("webmail message page", 0)
    download = Step("webmail attachment download", message.attachment_size)
    async with client() as http:
        page = await login(http, url, user, password)
        if page.status != 200 or page.url.path.startswith("/login"):
            raise BenchFailure(f"webmail login: {page.status} at {page.url}")
        async with http.get(url + "/mail?f=INBOX") as resp:
            found = _MESSAGE_LINK.search(await resp.text())
        if found is None:
            raise BenchFailure(f"webmail: {SUBJECT!r} not in the message list")
        with timed(opened, pid):
            async with http.get(url + html.unescape(found.group(1))) as resp:
                text = await resp.text()
        links = _PART_LINK.findall(text)
        if resp.status != 200 or not links:
            raise BenchFailure(f"webmail message page: {resp.status}, no attachment link")
        opened.verified = f"200, {len(text)} B page, {len(links)} attachment link(s)"
        digest, size = hashlib.sha256(), 0
        with timed(download, pid), open(spool, "wb") as out:
            async with http.get(url + html.unescape(links[-1])) as resp:
                if resp.status != 200:
                    raise BenchFailure(f"webmail attachment: {resp.status}")
                async for chunk in resp.content.iter_chunked(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
    if spool.stat().st_size != size:
        raise BenchFailure("the downloaded file on disk is not what was received")
    download.verified = verify_attachment(digest.hexdigest(), size, message)
    return [opened, download]


def webmail_download(
    port: int, pid: int, user: str, password: str, message: BigMessage, spool: Path
) -> list[Step]:
    """Log in, open the message page, download the attachment to ``spool`` (two steps).

    As a person does it: the message page (the server scans the message's
    structure), then the attachment (decoded while it streams). The file
    written is hashed and compared with the original random bytes.
    """
    return asyncio.run(_webmail(port, pid, user, password, message, spool))
