"""The webmail in a real browser: Debian's chromium driven by Playwright (no browser download).

Log in, read a message delivered by SMTP, open its attachment, send a message
with an attachment, find it in the recipient's Maildir and through IMAP, log out.

Over HTTPS, as served by default, with a certificate from a test CA. Chromium
reads its trust anchors from an NSS database, which only ``certutil``
(libnss3-tools, not installed) can write; so chromium is told to trust that
one certificate's key (``--ignore-certificate-errors-spki-list``, honoured
with a ``--user-data-dir``, which Playwright always passes), not to ignore
certificate errors at large: any other certificate still fails.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import imaplib
import os
import smtplib
import ssl
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mailcore.delivery import maildir_path
from tests.certs_lab_clients import CHROMIUM, CHROMIUM_ARGS
from tests.webmail_support import ALICE, ALICE_PW, BOB, BOB_PW, LocalCA, local_ca, running_stack

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
playwright_api = pytest.importorskip("playwright.async_api")


def trust_only(certificate_pem: bytes) -> list[str]:
    """Chromium flags trusting the key of ``certificate_pem`` (base64 SHA-256 of its SPKI)."""
    spki = (
        x509.load_pem_x509_certificate(certificate_pem)
        .public_key()
        .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    )
    digest = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return [*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={digest}"]


@pytest.fixture
def certs(tmp_path: Path) -> LocalCA:
    """The webmail's HTTPS certificate, from a test CA."""
    return local_ca(tmp_path)


@pytest.fixture
async def browser(tmp_path: Path, certs: LocalCA) -> AsyncIterator[object]:
    """A headless Debian chromium with a fresh profile (Playwright passes --user-data-dir)."""
    async with playwright_api.async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=trust_only(certs.leaf_pem),
            accept_downloads=True,
            viewport={"width": 390, "height": 844},
        )
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
    msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename="site.dwg")
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


async def test_read_download_send_logout(tmp_path: Path, certs: LocalCA, browser: object) -> None:
    """The whole round trip a travelling employee makes."""
    incoming = os.urandom(300_000)
    outgoing = os.urandom(200_000)
    upload = tmp_path / "offer.pdf"
    upload.write_bytes(outgoing)
    async with running_stack(tmp_path, tls=certs.server) as stack:
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
        assert (
            await asyncio.to_thread(_imap_fetch_attachment, stack.imap_port, "Offer attached")
            == outgoing
        )

        await page.click("#logout")
        await page.wait_for_url("**/login")
        await page.goto(stack.url + "/mail")
        assert page.url.endswith("/login")


PHONE = {"width": 375, "height": 667}
# What a finger must be able to hit: buttons, fields, list rows, folders, toolbar links.
_TARGETS = (
    "button, a.button, input:not([type=hidden]):not([type=checkbox]), select, textarea, "
    "label.tap, summary, .top a, .messages a, .folders a, .pager a, .attachments a"
)
_CHECK_JS = """(sel) => {
  const small = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.height < 40 || r.width < 40)
      small.push(el.outerHTML.slice(0, 80) + ' ' + Math.round(r.width) + 'x' +
                 Math.round(r.height));
  }
  return {small, scroll: document.documentElement.scrollWidth, width: window.innerWidth};
}"""


async def _check_phone_page(page: object, name: str, shots: Path) -> None:
    """No horizontal scrolling, every tap target at least 40 px; a screenshot to look at."""
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    found = await page.evaluate(_CHECK_JS, _TARGETS)  # type: ignore[attr-defined]
    assert found["scroll"] <= found["width"], f"{name}: the page scrolls sideways"
    assert not found["small"], f"{name}: tap targets under 40 px: {found['small']}"


async def _tab_to(page: object, name: str, limit: int = 30) -> list[str]:
    """Press Tab until the focused element's name is ``name``; the names passed."""
    seen: list[str] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")  # type: ignore[attr-defined]
        current = await page.evaluate(  # type: ignore[attr-defined]
            "() => document.activeElement.name || document.activeElement.id || "
            "document.activeElement.textContent.trim()"
        )
        seen.append(current)
        if current == name:
            return seen
    raise AssertionError(f"Tab never reached {name!r}: {seen}")


async def test_phone_keyboard_and_draft(tmp_path: Path, certs: LocalCA) -> None:
    """On a 375x667 screen, with the keyboard only where it matters: log in, read,
    save a draft with an attachment, reopen it from Drafts and send it."""
    shots = Path(os.environ.get("WEBMAIL_SHOTS", str(tmp_path)))
    shots.mkdir(parents=True, exist_ok=True)
    blob = os.urandom(50_000)
    upload = tmp_path / "minutes.txt"
    upload.write_bytes(blob)
    async with (
        playwright_api.async_playwright() as pw,
        running_stack(tmp_path, tls=certs.server) as stack,
    ):
        for i in range(3):
            await asyncio.to_thread(_send_with_attachment, stack.smtp_port, blob[: 1000 * i + 1])
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=trust_only(certs.leaf_pem)
        )
        try:
            context = await browser.new_context(
                viewport=PHONE, java_script_enabled=False, accept_downloads=True
            )
            page = await context.new_page()
            await page.goto(stack.url + "/login")
            await _check_phone_page(page, "login", shots)
            # autofocus on the address, then Tab to the password and Enter to log in.
            await page.keyboard.type(ALICE)
            await page.keyboard.press("Tab")
            await page.keyboard.type(ALICE_PW)
            await page.keyboard.press("Enter")
            await page.wait_for_url("**/mail")
            order = await _tab_to(page, "q")
            assert order[:2] == [f"{stack.config.mail.domain} mail", "Write"], order
            await _check_phone_page(page, "list", shots)

            await page.get_by_role("link", name="Site drawing").first.click()
            await page.wait_for_url("**/msg?**")
            await _check_phone_page(page, "message", shots)

            await page.get_by_role("link", name="Write").click()
            await page.fill("input[name=to]", BOB)
            await page.fill("input[name=subject]", "Meeting minutes")
            await page.fill("textarea[name=body]", "Draft of the minutes.")
            await page.set_input_files("input[name=attachment]", str(upload))
            await _check_phone_page(page, "compose", shots)
            await page.click("#save-draft")
            await page.wait_for_url("**/compose?draft=*&saved=1")
            assert "Draft saved." in await page.inner_text("main")

            await page.goto(stack.url + "/mail?f=Drafts")
            await page.get_by_role("link", name="Meeting minutes").click()
            await page.wait_for_url("**/compose?draft=*")
            assert await page.input_value("input[name=subject]") == "Meeting minutes"
            assert await page.is_checked("input[name=keep]")
            await page.fill("textarea[name=body]", "The final minutes.")
            await page.click("#send")
            await page.wait_for_url("**/mail?sent=1")
            await page.set_viewport_size({"width": 1280, "height": 800})
            await _check_phone_page(page, "desktop-list", shots)
        finally:
            await browser.close()
        assert not stack.store.mailbox(ALICE).folder("Drafts").messages
        bob = stack.store.mailbox(BOB).folder("INBOX")
        sent = email.message_from_bytes(bob.read(bob.messages[0].uid), policy=email.policy.default)
        assert isinstance(sent, EmailMessage)
        assert "The final minutes." in sent.get_body().get_content()  # type: ignore[union-attr]
        assert next(sent.iter_attachments()).get_payload(decode=True) == blob


async def test_https_login_trusted_and_port_80_redirects(
    tmp_path: Path, certs: LocalCA, browser: object
) -> None:
    """Typing the plain address lands on the HTTPS login with no certificate error; the
    session cookie is Secure, HttpOnly and SameSite=Strict; another certificate fails."""
    async with running_stack(tmp_path, tls=certs.server) as stack:
        page = await browser.new_page()  # type: ignore[attr-defined]
        # port 80 names mail.hostname (localhost) and the external HTTPS port: 443 here,
        # which nothing serves, so the redirect is read, not followed
        response = await page.request.get(stack.http_url + "/", max_redirects=0)
        assert response.status == 301
        assert response.headers["location"] == "https://localhost/"
        await page.goto(stack.url + "/login")
        assert page.url.startswith("https://")
        await page.fill("input[name=address]", ALICE)
        await page.fill("input[name=password]", ALICE_PW)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/mail")
        cookies = await browser.cookies()  # type: ignore[attr-defined]
        session = next(c for c in cookies if c["name"] == "pmemail_session")
        assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"
        assert await page.evaluate("document.cookie") == ""  # no script can read it

    (tmp_path / "other").mkdir()
    other = local_ca(tmp_path / "other")  # same names, a CA chromium was not told about
    async with running_stack(tmp_path / "other", tls=other.server) as stack:
        page = await browser.new_page()  # type: ignore[attr-defined]
        with pytest.raises(playwright_api.Error, match="ERR_CERT"):
            await page.goto(stack.url + "/login")
