"""End to end over loopback: SMTP in -> IMAP IDLE and POP3; IMAP APPEND -> webmail.

One stack as ``pmemail serve`` wires it (``tests.webmail_support.running_stack``:
SMTP in, IMAP and the webmail sharing one ``MailStore``), plus POP3.
"""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import smtplib
from pathlib import Path
from typing import Any

from mailcore.pop3 import build_pop3_service
from mailcore.throttle import AuthThrottle
from tests.tls_support import keeper_context
from tests.webmail_support import ALICE, ALICE_PW, Stack, client, login, running_stack

CAROL, CAROL_PW = "carol@example.be", "carol pop secret"


def _message(subject: str, to: str) -> bytes:
    return (
        f"From: dave@example.org\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject}@example.org>\r\n\r\nHello from far away.\r\n"
    ).encode()


def _send(stack: Stack, to: str, subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.sendmail("dave@example.org", [to], _message(subject, to))


def _idle_until_exists(stack: Stack, started: Any, timeout: float) -> list[bytes]:
    """IDLE on INBOX; signal ``started`` once idling; the untagged lines until EXISTS."""
    c: Any = imaplib.IMAP4("127.0.0.1", stack.imap_port, timeout=timeout)
    try:
        c.login(ALICE, ALICE_PW)
        c.select("INBOX")
        tag = c._new_tag().decode()
        c.send(f"{tag} IDLE\r\n".encode())
        assert c.readline().startswith(b"+")
        started.set()
        lines = [c.readline()]
        while not lines[-1].endswith(b"EXISTS\r\n"):
            lines.append(c.readline())
        c.send(b"DONE\r\n")
        while not c.readline().startswith(tag.encode()):
            pass
        typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK"
        lines.append(data[0][1])
        c.logout()
        return lines
    except BaseException:
        c.shutdown()
        raise


async def test_smtp_delivery_reaches_imap_idle_and_pop3(tmp_path: Path) -> None:
    """A message sent by SMTP wakes an idling IMAP client; another is retrieved by POP3."""
    async with running_stack(tmp_path) as stack:
        stack.users.add_user(CAROL, CAROL_PW, "pop3")
        pop3 = build_pop3_service(
            stack.config,
            stack.paths,
            stack.users,
            AuthThrottle(stack.config.security),
            tls=keeper_context(stack.config, stack.paths),
        )
        await pop3.start()
        try:
            started = asyncio.Event()
            loop = asyncio.get_running_loop()

            class _Started:
                def set(self) -> None:
                    loop.call_soon_threadsafe(started.set)

            idle = asyncio.ensure_future(
                asyncio.to_thread(_idle_until_exists, stack, _Started(), 10.0)
            )
            await asyncio.wait_for(started.wait(), 10)
            await asyncio.to_thread(_send, stack, ALICE, "to-imap")
            lines = await asyncio.wait_for(idle, 10)
            await asyncio.to_thread(_send, stack, CAROL, "to-pop3")
            pop_port = int(str(pop3.status()["port"]))
            retrieved = await asyncio.to_thread(_pop3_retrieve, pop_port)
        finally:
            await pop3.stop()
    assert lines[-2] == b"* 1 EXISTS\r\n"
    assert b"Subject: to-imap" in lines[-1]
    assert b"Subject: to-pop3" in retrieved


def _pop3_retrieve(port: int) -> bytes:
    """Log in over POP3 (plaintext is allowed on loopback here) and RETR message 1."""
    pop = poplib.POP3("127.0.0.1", port, timeout=10)
    try:
        pop.user(CAROL)
        pop.pass_(CAROL_PW)
        for _ in range(50):  # delivery commits asynchronously: wait for the maildrop
            if pop.stat()[0]:
                break
            pop.quit()
            pop = poplib.POP3("127.0.0.1", port, timeout=10)
            pop.user(CAROL)
            pop.pass_(CAROL_PW)
        lines = pop.retr(1)[1]
        pop.quit()
        return b"\r\n".join(lines)
    except BaseException:
        pop.close()
        raise


def _append_to_sent(port: int) -> str:
    c: Any = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    c.login(ALICE, ALICE_PW)
    typ, data = c.append("Sent", "(\\Seen)", None, _message("appended-by-imap", "bob@x.org"))
    c.logout()
    assert typ == "OK", data
    return str(data[0])


async def test_imap_append_to_sent_shows_in_webmail(tmp_path: Path) -> None:
    """A message a desktop client APPENDs to Sent is listed in the webmail's Sent folder."""
    async with running_stack(tmp_path) as stack:
        answer = await asyncio.to_thread(_append_to_sent, stack.imap_port)
        assert "APPENDUID" in answer
        async with client() as http:
            resp = await login(http, stack.url, ALICE, ALICE_PW)
            assert resp.status == 200
            async with http.get(stack.url + "/mail", params={"f": "Sent"}) as page:
                assert page.status == 200
                html = await page.text()
    assert "appended-by-imap" in html
