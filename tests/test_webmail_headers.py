"""Security headers on every webmail response, downloads included; a redirect that
names the configured host, never the request's ``Host``."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import pytest

from mailcore.mailstore import INBOX
from tests.webmail_support import ALICE, ALICE_PW, client, login, running_stack

pytestmark = pytest.mark.timeout(60)


def _send(port: int) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carol@remote.example", ALICE, "drawing"
    msg.set_content("see attached")
    msg.add_attachment(
        b"<html><script>x()</script>", maintype="text", subtype="html", filename="page.html"
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(msg)


def _assert_guarded(resp: aiohttp.ClientResponse) -> None:
    h = resp.headers
    assert h.get("X-Content-Type-Options") == "nosniff", (resp.url, dict(h))
    assert h.get("X-Frame-Options") == "DENY", resp.url
    assert "frame-ancestors 'none'" in h.get("Content-Security-Policy", ""), resp.url
    assert h.get("Referrer-Policy") == "no-referrer", resp.url


async def test_every_response_has_the_security_headers(tmp_path: Path) -> None:
    """Login, pages, 404, redirects and the streamed /part and /raw downloads."""
    async with running_stack(tmp_path) as stack, client() as http:
        await asyncio.to_thread(_send, stack.smtp_port)
        async with http.get(stack.url + "/login") as r:
            _assert_guarded(r)
        async with http.get(stack.url + "/mail", allow_redirects=False) as r:
            assert r.status == 303
            _assert_guarded(r)
        resp = await login(http, stack.url, ALICE, ALICE_PW)
        _assert_guarded(resp)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        statuses = []
        for path in (f"/part?f=INBOX&uid={uid}&n=2", f"/raw?f=INBOX&uid={uid}", "/nowhere"):
            async with http.get(stack.url + path) as r:
                body = await r.read()
                statuses.append((r.status, r.content_type, body[:40]))
                _assert_guarded(r)
        assert [s[:2] for s in statuses] == [
            (200, "application/octet-stream"),  # the HTML attachment, never rendered
            (200, "message/rfc822"),
            (404, "text/html"),
        ], statuses


async def test_redirect_to_https_names_the_configured_host(tmp_path: Path) -> None:
    """An attacker's ``Host: evil.example`` is not echoed into the Location."""
    async with (
        running_stack(tmp_path) as stack,
        client() as http,
        http.get(
            stack.http_url + "/login?x=1", headers={"Host": "evil.example"}, allow_redirects=False
        ) as r,
    ):
        assert r.status == 301
        location = r.headers["Location"]
        assert location == f"https://{stack.config.mail.hostname}/login?x=1"
        _assert_guarded(r)
