"""What staff see in Debian's chromium (Playwright, no browser download): a styled
newsletter with its colours and no CSP violation, a compose that survives a session
expiry, the "sent" / "moved to the Trash" notices with undo, and a reply to an
HTML-only mail quoting readable text."""

from __future__ import annotations

import asyncio
import os
import smtplib
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.mailstore import INBOX
from tests.certs_lab_clients import CHROMIUM
from tests.config_factory import make_config
from tests.test_webmail_browser import trust_only
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    BOB,
    WEBMAIL,
    LocalCA,
    Stack,
    local_ca,
    running_stack,
)

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
playwright_api = pytest.importorskip("playwright.async_api")

NEWSLETTER = """<html><head><style>.x { color: blue }</style>
<script>window.pwned = 1</script></head><body>
<div style="background-color: #2e7d32; color: #ffffff; padding: 20px">
Spring offers</div>
<p>Tom &amp; Jerry &lt;b&gt;line 2</p>
<p>Second paragraph</p>
<a href="https://shop.example/buy"
   style="background-color: #c62828; color: #ffffff; padding: 10px">Buy now</a>
<img src="https://tracker.example/p.gif" onerror="window.pwned = 2">
<div style="position: fixed; top: 0; left: 0; width: 100%; height: 100%;
     background: url(https://tracker.example/bg.png)">login again</div>
</body></html>"""


@pytest.fixture
def certs(tmp_path: Path) -> LocalCA:
    """The webmail's HTTPS certificate, from a test CA."""
    return local_ca(tmp_path)


@pytest.fixture
async def browser(tmp_path: Path, certs: LocalCA) -> AsyncIterator[object]:
    """A headless Debian chromium with a fresh profile, script on (the enhanced pages)."""
    async with playwright_api.async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=trust_only(certs.leaf_pem),
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            await context.close()


def _deliver(stack: Stack, subject: str, html: str, plain: str | None = None) -> None:
    msg = EmailMessage()
    msg["From"] = "Shop <news@shop.example>"
    msg["To"] = ALICE
    msg["Subject"] = subject
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    if plain is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(plain)
        msg.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as s:
        s.send_message(msg, "news@shop.example", [ALICE])


async def _login(page: object, stack: Stack) -> None:
    await page.fill("input[name=address]", ALICE)  # type: ignore[attr-defined]
    await page.fill("input[name=password]", ALICE_PW)  # type: ignore[attr-defined]
    await page.click("button[type=submit]")  # type: ignore[attr-defined]


def _csp_console(page: object) -> list[str]:
    """Console lines of the page (and its frames) that report a CSP violation."""
    found: list[str] = []

    def seen(message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            found.append(text)

    page.on("console", seen)  # type: ignore[attr-defined]
    return found


_STYLE_JS = """(el) => { const s = getComputedStyle(el);
  return {bg: s.backgroundColor, color: s.color, position: s.position,
          image: s.backgroundImage}; }"""


async def test_newsletter_keeps_its_colours_and_nothing_runs(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """The banner is green and the button red, as sent; no CSP violation in the console;
    the script, the handler, the remote image and the fixed overlay stay inert."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        await asyncio.to_thread(_deliver, stack, "Spring news", NEWSLETTER, "plain version")
        page = await browser.new_page()  # type: ignore[attr-defined]
        violations = _csp_console(page)
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.get_by_role("link", name="Spring news").click()
        await page.wait_for_url("**/mail?*open=*")  # the reading pane of a wide screen
        frame = page.frame_locator("#mail-body")  # the sanitizer drops ids: found by text
        banner = await frame.locator("div", has_text="Spring offers").evaluate(_STYLE_JS)
        buy = frame.get_by_role("link", name="Buy now")
        button = await buy.evaluate(_STYLE_JS)
        assert banner["bg"] == "rgb(46, 125, 50)" and banner["color"] == "rgb(255, 255, 255)"
        assert button["bg"] == "rgb(198, 40, 40)" and button["color"] == "rgb(255, 255, 255)"
        overlay = await frame.locator("div", has_text="login again").evaluate(_STYLE_JS)
        assert overlay["position"] == "static" and overlay["image"] == "none"
        assert await frame.locator("img").count() == 1
        assert await frame.locator("img").get_attribute("src") is None
        assert await buy.get_attribute("target") == "_blank"
        assert "noopener" in (await buy.get_attribute("rel") or "")
        inner = page.frame_locator("#mail-body").locator("body")
        assert await inner.evaluate("() => window.pwned === undefined")
        assert "remote image(s) blocked" in await page.inner_text("main")
        # the frame grew to its content (webmail.js), so the mail reads without a
        # scroll bar of its own
        height = await page.locator("#mail-body").evaluate("(f) => f.clientHeight")
        inner_height = await inner.evaluate("(b) => b.ownerDocument.documentElement.scrollHeight")
        assert height >= inner_height
        assert violations == []


async def test_compose_survives_a_session_expiry(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """Type, let the session expire, press Send: the login page says the text was kept;
    after logging in again the compose form holds it, and nothing was sent."""
    now = [time.monotonic()]
    config = make_config(tmp_path, WEBMAIL).config
    async with running_stack(tmp_path, config, clock=lambda: now[0], tls=certs.server) as stack:
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.goto(stack.url + "/compose")
        await page.fill("input[name=to]", BOB)
        await page.fill("input[name=subject]", "Budget 2027")
        typed = "Dear Bob,\n\nhere are the figures we discussed.\n\nAlice"
        await page.fill("textarea[name=body]", typed)
        now[0] += config.webmail.session_idle + 1
        await page.click("#send")
        await page.wait_for_url("**/login?kept=1")
        assert "kept as a draft" in await page.inner_text("main")
        await _login(page, stack)
        await page.wait_for_url("**/compose?draft=*&restored=1")
        assert await page.input_value("textarea[name=body]") == typed
        assert await page.input_value("input[name=subject]") == "Budget 2027"
        assert await page.input_value("input[name=to]") == BOB
        assert "nothing was sent" in await page.inner_text("main")
        assert not stack.store.mailbox(BOB).folder(INBOX).messages
        # now it goes
        await page.click("#send")
        await page.wait_for_url("**/mail?sent=1")
        assert "Message sent." in await page.inner_text("#notice")
        assert len(stack.store.mailbox(BOB).folder(INBOX).messages) == 1
        assert not stack.store.mailbox(ALICE).folder("Drafts").messages


async def test_delete_says_so_and_can_be_undone(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """Select all, Delete: "2 message(s) moved to the Trash" with Undo, which puts them back."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        for n in (1, 2):
            await asyncio.to_thread(_deliver, stack, f"Note {n}", f"<p>note {n}</p>")
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.check("#select-all")
        await page.click("button[value=delete]")
        await page.wait_for_url("**/mail?*done=deleted*")
        assert "2 message(s) moved to the Trash." in await page.inner_text("#notice")
        assert not stack.store.mailbox(ALICE).folder(INBOX).messages
        await page.click("#undo")
        await page.wait_for_url("**/mail?*done=restored*")
        assert "2 message(s) put back in Inbox." in await page.inner_text("#notice")
        assert len(stack.store.mailbox(ALICE).folder(INBOX).messages) == 2
        assert not stack.store.mailbox(ALICE).folder("Trash").messages


async def test_reply_to_html_only_mail_quotes_plain_text(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """The quote has "&" and "<b>" as the reader saw them, and the paragraphs apart
    (reached with the keyboard shortcuts / and r)."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        await asyncio.to_thread(_deliver, stack, "Cartoon", NEWSLETTER)
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.keyboard.press("/")  # the shortcut to the search field
        await page.keyboard.type("Cart")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/mail?*q=Cart*")
        await page.get_by_role("link", name="Cartoon").click()
        await page.wait_for_url("**/mail?*open=*")
        await page.keyboard.press("r")  # the shortcut to Reply
        await page.wait_for_url("**/compose?mode=reply&**")
        body = await page.input_value("textarea[name=body]")
        assert "> Tom & Jerry <b>line 2\n>\n> Second paragraph" in body, body
        assert "&amp;" not in body and "&lt;" not in body and "window.pwned" not in body


async def test_over_limit_attachment_refused_before_upload(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """A file whose base64 size passes mail.max_message_size is refused as it is chosen,
    with the server's sentence; Send does not go, nothing is sent."""
    config = make_config(tmp_path, WEBMAIL, {"mail": {"max_message_size": 64 * 1024}}).config
    big = tmp_path / "scan.pdf"
    big.write_bytes(os.urandom(60 * 1024))  # fits the limit, not once encoded
    async with running_stack(tmp_path, config, tls=certs.server) as stack:
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.goto(stack.url + "/compose")
        await page.fill("input[name=to]", BOB)
        await page.set_input_files("input[name=attachment]", str(big))
        message = await page.locator("input[name=attachment]").evaluate(
            "(el) => el.validationMessage"
        )
        assert "attachments are too large" in message and "64 KB" in message
        await page.click("#send")
        assert page.url.endswith("/compose")
        assert not stack.store.mailbox(BOB).folder(INBOX).messages


async def test_address_completion_from_mail(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """Senders of received mail are offered in To, for the second address as well."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        await asyncio.to_thread(_deliver, stack, "Hello", "<p>hi</p>")
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.goto(stack.url + "/compose")
        options = "() => Array.from(document.querySelectorAll('#contacts option'), o => o.value)"
        assert await page.evaluate(options) == ["Shop <news@shop.example>"]
        await page.click("input[name=to]")
        await page.keyboard.type(f"{BOB}, sh")
        assert await page.evaluate(options) == [f"{BOB}, Shop <news@shop.example>"]
        await page.fill("input[name=to]", f"{BOB}, news")
        await page.dispatch_event("input[name=to]", "input")
        assert await page.evaluate(options) == [f"{BOB}, news@shop.example"]


async def test_reading_pane_on_a_wide_screen(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """At 1280 px a message opens beside the list (its frame with the sender's colours);
    at phone width the same link opens the message page."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        await asyncio.to_thread(_deliver, stack, "Spring news", NEWSLETTER)
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(stack.url + "/login")
        await _login(page, stack)
        await page.wait_for_url("**/mail")
        await page.get_by_role("link", name="Spring news").click()
        await page.wait_for_url("**/mail?*open=*")
        assert await page.locator("table.messages").count() == 1
        pane = page.locator("article.pane")
        assert "Spring news" in await pane.locator("h1").inner_text()
        banner = page.frame_locator("#mail-body").locator("div", has_text="Spring offers")
        assert (await banner.evaluate(_STYLE_JS))["bg"] == "rgb(46, 125, 50)"
        assert "\\Seen" in stack.store.mailbox(ALICE).folder(INBOX).messages[0].flags
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto(stack.url + "/mail")
        await page.get_by_role("link", name="Spring news").click()
        await page.wait_for_url("**/msg?**")
