"""The webmail in a real browser: Debian's chromium driven by Playwright (no browser download).

Log in, read a message delivered by SMTP, open its attachment, send a message
with an attachment, find it in the recipient's Maildir and through IMAP, log out.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import os
import smtplib
import ssl
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.delivery import maildir_path
from tests.webmail_support import ALICE, ALICE_PW, BOB, BOB_PW, running_stack

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="needs Debian's chromium (apt-get install chromium)"),
]
playwright_api = pytest.importorskip("playwright.async_api")


# Flags that keep chromium from talking to anything but our loopback server.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[object]:
    """A headless Debian chromium with a fresh profile (Playwright passes --user-data-dir)."""
    async with playwright_api.async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, accept_downloads=True, viewport={"width": 390, "height": 844})
        try:
            yield context
        finally:
            await context.close()


def _send_with_attachment(port: int, blob: bytes) -> None:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@remote.example>"
    msg["To"] = ALICE
    msg["Subject"] = "Site drawing"
    msg.set_content("Here is the drawing for the site visit.")
    msg.add_attachment(blob, maintype="application", subtype="octet-stream",
                       filename="site.dwg")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.sendmail("carol@remote.example", [ALICE], msg.as_bytes())


def _imap_fetch_attachment(port: int, subject: str) -> bytes:
    """Bob's message with ``subject`` fetched over IMAP; its attachment's bytes."""
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        if "STARTTLS" in imap.capabilities:
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            imap.starttls(ctx)
        imap.login(BOB, BOB_PW)
        imap.select("INBOX")
        _, data = imap.uid("SEARCH", "SUBJECT", f'"{subject}"')
        uids = data[0].split()
        assert uids, "message not found through IMAP"
        _, fetched = imap.uid("FETCH", uids[-1], "(BODY.PEEK[])")
        raw = next(part[1] for part in fetched if isinstance(part, tuple))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    att = next(msg.iter_attachments())
    payload = att.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


async def test_read_download_send_logout(tmp_path: Path, browser: object) -> None:
    """The whole round trip a travelling employee makes."""
    incoming = os.urandom(300_000)
    outgoing = os.urandom(200_000)
    upload = tmp_path / "offer.pdf"
    upload.write_bytes(outgoing)
    async with running_stack(tmp_path) as stack:
        await asyncio.to_thread(_send_with_attachment, stack.smtp_port, incoming)
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/")
        await page.fill("input[name=address]", ALICE)
        await page.fill("input[name=password]", ALICE_PW)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/mail")
        await page.get_by_role("link", name="Site drawing").click()
        await page.wait_for_url("**/msg?**")
        assert "drawing for the site visit" in await page.inner_text("pre.body")

        async with page.expect_download() as info:
            await page.get_by_role("link", name="site.dwg").click()
        download = await info.value
        saved = tmp_path / "downloaded.dwg"
        await download.save_as(saved)
        assert saved.read_bytes() == incoming

        await page.get_by_role("link", name="Write").click()
        await page.wait_for_url("**/compose")
        await page.fill("input[name=to]", BOB)
        await page.fill("input[name=subject]", "Offer attached")
        await page.fill("textarea[name=body]", "Please check the offer.")
        await page.set_input_files("input[name=attachment]", str(upload))
        await page.click("#send")
        await page.wait_for_url("**/mail?sent=1")

        bob_dir = maildir_path(stack.paths, BOB)
        files = [p for sub in ("new", "cur") for p in (bob_dir / sub).iterdir()]
        assert len(files) == 1
        stored = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert isinstance(stored, EmailMessage)
        assert stored["Subject"] == "Offer attached"
        assert str(stored["From"]) == f"Alice Martin <{ALICE}>"
        assert next(stored.iter_attachments()).get_payload(decode=True) == outgoing
        assert await asyncio.to_thread(_imap_fetch_attachment, stack.imap_port,
                                       "Offer attached") == outgoing

        await page.click("#logout")
        await page.wait_for_url("**/login")
        await page.goto(stack.url + "/mail")
        assert page.url.endswith("/login")
