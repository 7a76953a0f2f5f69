"""Webmail over real HTTP on loopback: login, reading, sending, actions, CSRF, throttling."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import pytest

from mailcore.mailstore import INBOX
from tests.config_factory import make_config
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    BOB,
    BOB_PW,
    WEBMAIL,
    Stack,
    client,
    csrf_of,
    login,
    running_stack,
)

pytestmark = pytest.mark.timeout(60)


def smtp_send(
    port: int, msg: EmailMessage | bytes, to: str = ALICE, sender: str = "carol@remote.example"
) -> None:
    """Deliver through the real SMTP-in listener."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        data = msg if isinstance(msg, bytes) else msg.as_bytes()
        s.sendmail(sender, [to], data)


def plain(
    subject: str, body: str = "hello there", sender: str = "carol@remote.example"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Carol <{sender}>"
    msg["To"] = ALICE
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


async def _deliver(stack: Stack, msg: EmailMessage | bytes) -> None:
    await asyncio.to_thread(smtp_send, stack.smtp_port, msg)


async def test_login_list_read_and_logout(tmp_path: Path) -> None:
    """A message delivered by SMTP is listed, read (marked seen in the store), then logout."""
    async with running_stack(tmp_path) as stack:
        await _deliver(stack, plain("Quarterly figures", "the numbers are in"))
        async with client() as http:
            resp = await login(http, stack.url, ALICE, ALICE_PW)
            assert resp.status == 200 and str(resp.url).endswith("/mail")
            cookie = resp.history[0].headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            page = await resp.text()
            assert "Quarterly figures" in page and 'class="unseen"' in page
            folder = stack.store.mailbox(ALICE).folder(INBOX)
            uid = folder.messages[0].uid
            async with http.get(f"{stack.url}/msg?f=INBOX&uid={uid}") as r:
                text = await r.text()
                assert r.status == 200 and "the numbers are in" in text
                csp = r.headers["Content-Security-Policy"]
                # scripts only from this origin's files: never inline, never eval
                assert "script-src 'self';" in csp and "unsafe" not in csp
            assert "\\Seen" in stack.store.mailbox(ALICE).folder(INBOX).by_uid[uid].flags
            token = csrf_of(text)
            async with http.post(stack.url + "/logout", data={"_csrf": token}) as r:
                assert str(r.url).endswith("/login")
            async with http.get(stack.url + "/mail", allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/login"


async def test_paging_and_search(tmp_path: Path) -> None:
    """Seven messages with a page size of five: two pages; search by subject and sender."""
    async with running_stack(tmp_path) as stack:
        for i in range(7):
            await _deliver(stack, plain(f"Report {i}", sender=f"user{i}@remote.example"))
            # Take each one in now: UIDs then follow delivery order (new/ is taken in
            # file-name order, which is not time order within one second).
            stack.store.mailbox(ALICE).folder(INBOX)
        async with client() as http:
            page1 = await (await login(http, stack.url, ALICE, ALICE_PW)).text()
            assert "Report 6" in page1 and "Report 1" not in page1 and "Page 1 of 2" in page1
            async with http.get(stack.url + "/mail?f=INBOX&page=2") as r:
                page2 = await r.text()
            assert "Report 1" in page2 and "Report 6" not in page2
            async with http.get(stack.url + "/mail?f=INBOX&q=user3") as r:
                found = await r.text()
            assert "Report 3" in found and "Report 4" not in found


async def test_send_with_attachment_local_and_remote(tmp_path: Path) -> None:
    """Compose with an attachment: bob gets it, the remote copy is queued, Sent has it."""
    async with running_stack(tmp_path) as stack:
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(stack.url + "/compose") as r:
                token = csrf_of(await r.text())
            form = aiohttp.FormData(default_to_multipart=True)
            form.add_field("_csrf", token)
            form.add_field("from", ALICE)
            form.add_field("to", f"Bob <{BOB}>, dave@remote.example")
            form.add_field("subject", "Plans")
            form.add_field("body", "see attached")
            blob = bytes(range(256)) * 4000
            form.add_field(
                "attachment", blob, filename="plan.dwg", content_type="application/octet-stream"
            )
            async with http.post(stack.url + "/send", data=form) as r:
                assert r.status == 200, await r.text()
                assert "/mail" in str(r.url)
        bob_inbox = stack.store.mailbox(BOB).folder(INBOX)
        assert len(bob_inbox.messages) == 1
        raw = bob_inbox.read(bob_inbox.messages[0].uid)
        assert b"Subject: Plans" in raw and b"plan.dwg" in raw
        sent = stack.store.mailbox(ALICE).folder("Sent")
        assert len(sent.messages) == 1
        entries = stack.queue.store.entries()
        assert [r.address for r in entries[0].recipients] == ["dave@remote.example"]
        assert entries[0].sender == ALICE


async def test_spoofed_from_refused(tmp_path: Path) -> None:
    """Sending as somebody else is refused with the submission policy's reason."""
    async with running_stack(tmp_path) as stack:
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(stack.url + "/compose") as r:
                token = csrf_of(await r.text())
            form = aiohttp.FormData(default_to_multipart=True)
            form.add_field("_csrf", token)
            form.add_field("from", BOB)
            form.add_field("to", BOB)
            form.add_field("body", "hi")
            async with http.post(stack.url + "/send", data=form) as r:
                assert r.status == 400
                assert "not one of your addresses" in await r.text()
        assert not stack.store.mailbox(BOB).folder(INBOX).messages


async def test_csrf_missing_is_refused(tmp_path: Path) -> None:
    """Forms without the token (plain or multipart) change nothing."""
    async with running_stack(tmp_path) as stack:
        await _deliver(stack, plain("Keep me"))
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.post(
                stack.url + "/action", data={"f": "INBOX", "uid": str(uid), "op": "delete"}
            ) as r:
                assert r.status == 403
            form = aiohttp.FormData(default_to_multipart=True)
            form.add_field("to", BOB)
            form.add_field("body", "forged")
            async with http.post(stack.url + "/send", data=form) as r:
                assert r.status == 403
            async with http.post(
                stack.url + "/action",
                data={"_csrf": "wrong", "f": "INBOX", "uid": str(uid), "op": "delete"},
            ) as r:
                assert r.status == 403
        assert len(stack.store.mailbox(ALICE).folder(INBOX).messages) == 1
        assert not stack.store.mailbox(BOB).folder(INBOX).messages


async def test_actions_move_delete_unread(tmp_path: Path) -> None:
    """Mark unread, move to a user folder, delete to Trash, then delete for good."""
    async with running_stack(tmp_path) as stack:
        await _deliver(stack, plain("Move me"))
        box = stack.store.mailbox(ALICE)
        uid = box.folder(INBOX).messages[0].uid
        async with client() as http:
            page = await (await login(http, stack.url, ALICE, ALICE_PW)).text()
            token = csrf_of(page)
            await (
                await http.post(
                    stack.url + "/action",
                    data={"_csrf": token, "f": "INBOX", "uid": str(uid), "op": "read"},
                )
            ).read()
            assert "\\Seen" in box.folder(INBOX).by_uid[uid].flags
            await (
                await http.post(
                    stack.url + "/action",
                    data={"_csrf": token, "f": "INBOX", "uid": str(uid), "op": "unread"},
                )
            ).read()
            assert "\\Seen" not in box.folder(INBOX).by_uid[uid].flags
            await (
                await http.post(stack.url + "/folders", data={"_csrf": token, "name": "Projects"})
            ).read()
            await (
                await http.post(
                    stack.url + "/action",
                    data={
                        "_csrf": token,
                        "f": "INBOX",
                        "uid": str(uid),
                        "op": "move",
                        "dest": "Projects",
                    },
                )
            ).read()
            assert not box.folder(INBOX).messages and len(box.folder("Projects").messages) == 1
            uid = box.folder("Projects").messages[0].uid
            await (
                await http.post(
                    stack.url + "/action",
                    data={"_csrf": token, "f": "Projects", "uid": str(uid), "op": "delete"},
                )
            ).read()
            assert len(box.folder("Trash").messages) == 1
            uid = box.folder("Trash").messages[0].uid
            await (
                await http.post(
                    stack.url + "/action",
                    data={"_csrf": token, "f": "Trash", "uid": str(uid), "op": "delete"},
                )
            ).read()
            assert not box.folder("Trash").messages


async def test_wrong_passwords_are_throttled(tmp_path: Path) -> None:
    """After max_failures wrong passwords even the right one is refused (429)."""
    async with running_stack(tmp_path) as stack, client() as http:
        for _ in range(3):
            resp = await login(http, stack.url, ALICE, "wrong")
            assert resp.status == 401
        resp = await login(http, stack.url, ALICE, ALICE_PW)
        assert resp.status == 429
        assert "Too many wrong passwords" in await resp.text()
        resp = await login(http, stack.url, BOB, BOB_PW)  # other users unaffected
        assert resp.status == 200


async def test_login_without_form_token_refused(tmp_path: Path) -> None:
    """A login posted from elsewhere (no double-submit token) is refused."""
    async with running_stack(tmp_path) as stack, client() as http:
        async with http.post(
            stack.url + "/login", data={"address": ALICE, "password": ALICE_PW}
        ) as r:
            assert r.status == 403
        async with http.post(
            stack.url + "/login",
            headers={"Origin": "http://evil.test"},
            data={"address": ALICE, "password": ALICE_PW},
        ) as r:
            assert r.status == 403


async def test_session_expires(tmp_path: Path) -> None:
    """An idle session is gone after ``webmail.session_idle``."""
    now = [1000.0]  # the sessions' clock: advanced by hand, no waiting
    config = make_config(tmp_path, WEBMAIL, {"webmail": {"session_idle": 1.0}}).config
    async with running_stack(tmp_path, config, clock=lambda: now[0]) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/mail", allow_redirects=False) as r:
            assert r.status == 200
        now[0] += 1.2
        async with http.get(stack.url + "/mail", allow_redirects=False) as r:
            assert r.status == 303


async def test_session_ends_at_its_maximum_age_even_in_use(tmp_path: Path) -> None:
    """A session in use all along still ends ``webmail.session_max`` after login."""
    now = [1000.0]
    lifetimes = {"webmail": {"session_idle": 5.0, "session_max": 10.0}}
    config = make_config(tmp_path, WEBMAIL, lifetimes).config
    async with running_stack(tmp_path, config, clock=lambda: now[0]) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        for _ in range(2):  # each request within session_idle of the last
            now[0] += 4.0
            async with http.get(stack.url + "/mail", allow_redirects=False) as r:
                assert r.status == 200
        now[0] += 4.0  # 12 s after login
        async with http.get(stack.url + "/mail", allow_redirects=False) as r:
            assert r.status == 303


def _imap_flags(port: int, subject: str, set_seen: bool = False) -> str:
    """FLAGS of alice's message ``subject`` seen through IMAP (optionally adding \\Seen)."""
    import imaplib

    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        imap.login(ALICE, ALICE_PW)
        imap.select("INBOX")
        _, data = imap.uid("SEARCH", "SUBJECT", f'"{subject}"')
        uid = data[0].split()[-1]
        if set_seen:
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        _, flags = imap.uid("FETCH", uid, "(FLAGS)")
        return str(flags[0])


async def test_unread_marks_shared_with_imap(tmp_path: Path) -> None:
    """Read in the webmail -> \\Seen over IMAP; marked seen over IMAP -> shown read."""
    async with running_stack(tmp_path) as stack:
        await _deliver(stack, plain("Seen via web"))
        await _deliver(stack, plain("Seen via imap"))
        folder = await stack.store.mailbox(ALICE).open(INBOX)
        heads = await stack.webmail.ctx.view.heads(ALICE, folder, folder.messages)
        web_uid = next(
            m.uid
            for m, h in zip(folder.messages, heads, strict=True)
            if h.subject == "Seen via web"
        )
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(f"{stack.url}/msg?f=INBOX&uid={web_uid}") as r:
                assert r.status == 200
            assert "\\Seen" in await asyncio.to_thread(_imap_flags, stack.imap_port, "Seen via web")
            assert "\\Seen" in await asyncio.to_thread(
                _imap_flags, stack.imap_port, "Seen via imap", True
            )
            async with http.get(stack.url + "/mail") as r:
                page = await r.text()
            assert 'class="unseen"' not in page


async def test_reply_all_and_forward(tmp_path: Path) -> None:
    """Reply-all is pre-filled (Re:, quote, other recipients); forward attaches the original."""
    msg = plain("Meeting", "see you at ten")
    msg.replace_header("To", f"{ALICE}, {BOB}")
    msg["Message-ID"] = "<orig-1@remote.example>"
    async with running_stack(tmp_path) as stack:
        await _deliver(stack, msg)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(f"{stack.url}/compose?mode=replyall&f=INBOX&uid={uid}") as r:
                form = await r.text()
            assert 'value="Re: Meeting"' in form and "&gt; see you at ten" in form
            assert 'value="carol@remote.example"' in form and f'value="{BOB}"' in form
            assert 'value="&lt;orig-1@remote.example&gt;"' in form
            async with http.get(f"{stack.url}/compose?mode=forward&f=INBOX&uid={uid}") as r:
                token = csrf_of(await r.text())
            data = aiohttp.FormData(default_to_multipart=True)
            for name, value in (
                ("_csrf", token),
                ("from", ALICE),
                ("to", BOB),
                ("subject", "Fwd: Meeting"),
                ("body", "fyi"),
                ("fwd_f", "INBOX"),
                ("fwd_uid", str(uid)),
            ):
                data.add_field(name, value)
            async with http.post(stack.url + "/send", data=data) as r:
                assert r.status == 200 and "sent=1" in str(r.url)
        bob = stack.store.mailbox(BOB).folder(INBOX)
        raw = bob.read(bob.messages[-1].uid)
        assert b"Content-Type: message/rfc822" in raw and b"see you at ten" in raw
