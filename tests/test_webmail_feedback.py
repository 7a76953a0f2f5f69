"""Nothing typed is lost and every action says what it did, over real HTTP (no script):
autosave, keep-alive, a compose form sent after its session expired, notices in
English and French, and the text quoted from an HTML-only mail."""

from __future__ import annotations

import asyncio
import os
import smtplib
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailcore.mailstore import INBOX
from mailcore.webmail.dates import header_date, say_date
from mailcore.webmail.html_text import html_to_text
from mailcore.webmail.sessions import SessionStore
from tests.config_factory import make_config
from tests.test_webmail_drafts import _compose_token, _form
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    BOB,
    WEBMAIL,
    client,
    csrf_of,
    login,
    running_stack,
)

pytestmark = pytest.mark.timeout(60)
FIELDS = {"from": ALICE, "to": BOB, "subject": "Roof", "body": "The roof needs\n\nfixing."}


async def test_autosave_keeps_one_draft_up_to_date(tmp_path: Path) -> None:
    """op=autosave answers the draft's uid as JSON; the next autosave replaces that draft."""
    async with running_stack(tmp_path) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        token = await _compose_token(http, stack)
        drafts = stack.store.mailbox(ALICE).folder("Drafts")
        first = {**FIELDS, "op": "autosave"}
        async with http.post(stack.url + "/send", data=_form(token, first)) as r:
            assert r.status == 200 and r.content_type == "application/json"
            uid = (await r.json())["draft"]
        second = {**first, "body": "The roof needs fixing now.", "draft_uid": str(uid)}
        async with http.post(stack.url + "/send", data=_form(token, second)) as r:
            newer = (await r.json())["draft"]
        drafts.sync()
        assert [m.uid for m in drafts.messages] == [newer] and newer != uid
        assert b"fixing now." in drafts.read(newer)
        assert not stack.store.mailbox(BOB).folder(INBOX).messages


async def test_keepalive_holds_the_session(tmp_path: Path) -> None:
    """A compose page pinging /keepalive more often than the idle limit stays logged in."""
    now = [time.monotonic()]
    config = make_config(tmp_path, WEBMAIL).config
    idle = config.webmail.session_idle
    async with running_stack(tmp_path, config, clock=lambda: now[0]) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        for _ in range(3):
            now[0] += idle * 0.6
            async with http.get(stack.url + "/keepalive", allow_redirects=False) as r:
                assert r.status == 204
        async with http.get(stack.url + "/compose", allow_redirects=False) as r:
            assert r.status == 200


async def test_form_sent_after_expiry_becomes_a_draft(tmp_path: Path) -> None:
    """Without script: Send after the session expired keeps the form as a draft (not
    sent), and the next login opens it; a wrong token, or a logout, keeps nothing."""
    now = [time.monotonic()]
    config = make_config(tmp_path, WEBMAIL).config
    async with running_stack(tmp_path, config, clock=lambda: now[0]) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        token = await _compose_token(http, stack)
        now[0] += config.webmail.session_idle + 1
        async with http.post(
            stack.url + "/send", data=_form("forged", FIELDS), allow_redirects=False
        ) as r:
            assert r.status == 403
        drafts = stack.store.mailbox(ALICE).folder("Drafts")
        assert not drafts.messages
        async with http.post(
            stack.url + "/send", data=_form(token, FIELDS), allow_redirects=False
        ) as r:
            assert r.status == 303 and r.headers["Location"] == "/login?kept=1"
        async with http.get(stack.url + "/login?kept=1") as r:
            assert "kept as a draft" in await r.text()
        assert not stack.store.mailbox(BOB).folder(INBOX).messages
        resp = await login(http, stack.url, ALICE, ALICE_PW)
        assert "/compose?draft=" in str(resp.url) and "restored=1" in str(resp.url)
        page = await resp.text()
        assert "The roof needs\n\nfixing.</textarea>" in page and "nothing was sent" in page
        # a second login does not reopen it again
        async with http.post(stack.url + "/logout", data={"_csrf": csrf_of(page)}) as r:
            assert r.status == 200
        resp = await login(http, stack.url, ALICE, ALICE_PW)
        assert str(resp.url).endswith("/mail")
        # after a logout, a form from the old page is not kept
        token = await _compose_token(http, stack)
        async with http.post(stack.url + "/logout", data={"_csrf": token}) as r:
            assert r.status == 200
        async with http.post(
            stack.url + "/send", data=_form(token, FIELDS), allow_redirects=False
        ) as r:
            assert r.status == 403
        drafts.sync()
        assert len(drafts.messages) == 1


def test_ended_sessions_are_only_expired_ones() -> None:
    """``ended`` knows an expired session, not a live one nor a logged-out one."""
    now = [0.0]
    store = SessionStore(10, 100, lambda: now[0])
    live, out, old = store.create("a@x.be"), store.create("b@x.be"), store.create("c@x.be")
    store.drop(out.token)
    now[0] = 5
    store.get(live.token)
    now[0] = 12
    assert store.ended(old.token) is old
    assert store.ended(live.token) is None and store.get(live.token) is live
    assert store.ended(out.token) is None and store.ended("nonsense") is None


async def test_notices_in_french(tmp_path: Path) -> None:
    """With ``language = "fr"``, the sent and moved notices are French."""
    config = make_config(tmp_path, WEBMAIL, {"": {"language": "fr"}}).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/mail?sent=1") as r:
            assert "Message envoyé." in await r.text()
        async with http.get(stack.url + "/mail?done=moved&n=3&to=Archive") as r:
            assert "3 message(s) déplacé(s) vers Archives." in await r.text()
        # a crafted link cannot put words of its own in the notice
        async with http.get(stack.url + "/mail?done=moved&n=3&to=Call+0800+now") as r:
            assert 'id="notice"' not in await r.text()
        async with http.get(stack.url + "/mail?done=bogus&n=3") as r:
            assert 'id="notice"' not in await r.text()


def test_html_to_text_reads_as_the_mail_did() -> None:
    """Entities decoded once, paragraphs apart, hidden parts left out."""
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>Tom &amp;amp; Jerry &lt;b&gt;line 2</p><p>para\n two<br>next</p>"
        "<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
        "</body></html>"
    )
    assert html_to_text(html) == (
        "Tom &amp; Jerry <b>line 2\n\npara two\nnext\n\n- one\n- two\n\na b"
    )


async def test_message_view_date_and_attachment_size(tmp_path: Path) -> None:
    """The Date is said in the office's language and time zone (with its ISO instant for
    the browser); a 5,000,000-byte attachment shows as such, not as its base64 size."""
    config = make_config(tmp_path, WEBMAIL, {"": {"language": "fr"}}).config
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carol@remote.example", ALICE, "Plans"
    msg["Date"] = "Tue, 01 Dec 2026 09:30:00 +0000"
    msg.set_content("see attached")
    msg.add_attachment(os.urandom(5_000_000), maintype="application", subtype="pdf")
    async with running_stack(tmp_path, config) as stack, client() as http:
        await asyncio.to_thread(_smtp, stack.smtp_port, msg)
        await login(http, stack.url, ALICE, ALICE_PW)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        async with http.get(f"{stack.url}/msg?f=INBOX&uid={uid}") as r:
            page = await r.text()
        when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC).astimezone()
        assert f'<time datetime="{when.isoformat()}" data-lang="fr">' in page
        assert f"{say_date(when, 'fr')}</time>" in page and "décembre 2026" in page
        assert "environ 4,8 Mo" in page and "6,4 Mo" not in page and "4.8 MB" not in page
        async with http.get(f"{stack.url}/compose?mode=reply&f=INBOX&uid={uid}") as r:
            assert f"Le {say_date(when, 'fr')}, carol@remote.example a écrit :" in await r.text()


def _smtp(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.send_message(msg)


def test_dates_in_both_languages() -> None:
    """Day and month names follow the language; an unreadable date is shown as written."""
    when = datetime(2026, 12, 1, 10, 30)
    assert say_date(when, "en") == "Tuesday 1 December 2026, 10:30"
    assert say_date(when, "fr") == "mardi 1 décembre 2026, 10:30"
    assert header_date("not a date", "fr") == ("not a date", "")


async def test_address_book_from_sent_and_received(tmp_path: Path) -> None:
    """The compose page offers the people written to (Sent) and heard from (INBOX), most
    frequent first, never the user; a new sent message is there on the next page."""
    async with running_stack(tmp_path) as stack, client() as http:
        for _ in range(2):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "Carol <carol@remote.example>", ALICE, "Hi"
            msg.set_content("hello")
            await asyncio.to_thread(_smtp, stack.smtp_port, msg)
        await login(http, stack.url, ALICE, ALICE_PW)
        token = await _compose_token(http, stack)
        async with http.post(stack.url + "/send", data=_form(token, FIELDS)) as r:
            assert r.status == 200 and str(r.url).endswith("/mail?sent=1")
        async with http.get(stack.url + "/compose") as r:
            page = await r.text()
        listed = page.split('<datalist id="contacts">', 1)[1].split("</datalist>", 1)[0]
        assert listed == (
            f'<option value="Carol &lt;carol@remote.example&gt;"><option value="{BOB}">'
        )
