"""Drafts over real HTTP: save from the compose form, list, reopen, save again, send."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import pytest

from mailcore.mailstore import INBOX
from tests.webmail_support import ALICE, ALICE_PW, BOB, Stack, client, csrf_of, login, running_stack

pytestmark = pytest.mark.timeout(60)
_KEEP = re.compile(r'name="keep" value="(\d+)"')


def _form(
    token: str,
    fields: dict[str, str],
    keep: Sequence[str] = (),
    files: dict[str, bytes] | None = None,
) -> aiohttp.FormData:
    """The compose form as a browser sends it: token first, files, then the button."""
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("_csrf", token)
    for name, value in fields.items():
        if name != "op":
            form.add_field(name, value)
    for number in keep:
        form.add_field("keep", number)
    for filename, blob in (files or {}).items():
        form.add_field(
            "attachment", blob, filename=filename, content_type="application/octet-stream"
        )
    form.add_field("op", fields.get("op", "send"))
    return form


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


async def _compose_token(http: aiohttp.ClientSession, stack: Stack) -> str:
    async with http.get(stack.url + "/compose") as r:
        return csrf_of(await r.text())


async def test_save_reopen_resave_and_send_a_draft(tmp_path: Path) -> None:
    """A draft keeps To/Cc/Bcc/subject/body and its attachment until it is sent."""
    blob = bytes(range(256)) * 3000
    async with running_stack(tmp_path) as stack:
        drafts = stack.store.mailbox(ALICE).folder("Drafts")
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            token = await _compose_token(http, stack)
            fields = {
                "from": ALICE,
                "to": BOB,
                "cc": "",
                "bcc": "dave@remote.example",
                "subject": "Quote for the roof",
                "body": "Dear Bob,\n\nfirst lines",
                "op": "draft",
            }
            async with http.post(
                stack.url + "/send", data=_form(token, fields, files={"roof.pdf": blob})
            ) as r:
                page = await r.text()
                assert r.status == 200 and "/compose?draft=" in str(r.url), page[:300]
            assert "Draft saved." in page and "Quote for the roof" in page
            assert "Dear Bob,\n\nfirst lines" in page and "dave@remote.example" in page
            assert "roof.pdf" in page
            kept = _KEEP.findall(page)
            assert len(kept) == 1
            assert len(drafts.messages) == 1
            first = drafts.messages[0]
            assert "\\Draft" in first.flags
            stored = _parse(drafts.read(first.uid))
            assert stored["Bcc"] == "dave@remote.example"

            async with http.get(stack.url + "/mail?f=Drafts") as r:
                assert f'href="/compose?draft={first.uid}"' in await r.text()

            fields.update(draft_uid=str(first.uid), body="Dear Bob,\n\nthe full text")
            async with http.post(stack.url + "/send", data=_form(token, fields, kept)) as r:
                page = await r.text()
            assert "the full text" in page and "roof.pdf" in page
            assert len(drafts.messages) == 1 and drafts.messages[0].uid != first.uid
            second = drafts.messages[0].uid

            fields.update(draft_uid=str(second), op="send", bcc="")
            async with http.post(
                stack.url + "/send", data=_form(token, fields, _KEEP.findall(page))
            ) as r:
                assert r.status == 200 and str(r.url).endswith("/mail?sent=1"), await r.text()
        assert not drafts.messages
        bob = stack.store.mailbox(BOB).folder(INBOX)
        received = _parse(bob.read(bob.messages[0].uid))
        assert received["Subject"] == "Quote for the roof" and received["Bcc"] is None
        assert "the full text" in received.get_body().get_content()  # type: ignore[union-attr]
        attachment = next(received.iter_attachments())
        assert attachment.get_filename() == "roof.pdf"
        assert attachment.get_payload(decode=True) == blob
        assert len(stack.store.mailbox(ALICE).folder("Sent").messages) == 1


def _smtp_send(port: int) -> None:
    msg = EmailMessage()
    msg["From"] = "Carol <carol@remote.example>"
    msg["To"] = ALICE
    msg["Subject"] = "Site visit"
    msg.set_content("Tuesday at nine.")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.sendmail("carol@remote.example", [ALICE], msg.as_bytes())


async def test_forward_saved_as_draft_keeps_the_original(tmp_path: Path) -> None:
    """A forward saved without recipients, reopened, still attaches the message/rfc822."""
    async with running_stack(tmp_path) as stack:
        await asyncio.to_thread(_smtp_send, stack.smtp_port)
        uid = stack.store.mailbox(ALICE).folder(INBOX).messages[0].uid
        async with client() as http:
            await login(http, stack.url, ALICE, ALICE_PW)
            async with http.get(f"{stack.url}/compose?mode=forward&f=INBOX&uid={uid}") as r:
                token = csrf_of(await r.text())
            fields = {
                "from": ALICE,
                "to": "",
                "subject": "Fwd: Site visit",
                "body": "FYI",
                "fwd_f": "INBOX",
                "fwd_uid": str(uid),
                "op": "draft",
            }
            async with http.post(stack.url + "/send", data=_form(token, fields)) as r:
                page = await r.text()
                assert r.status == 200, page[:300]
            kept = _KEEP.findall(page)
            assert kept and "forwarded.eml" in page
            draft_uid = re.search(r'name="draft_uid" value="(\d+)"', page)
            assert draft_uid
            fields = {
                "from": ALICE,
                "to": BOB,
                "subject": "Fwd: Site visit",
                "body": "FYI",
                "draft_uid": draft_uid.group(1),
            }
            async with http.post(stack.url + "/send", data=_form(token, fields, kept)) as r:
                assert str(r.url).endswith("/mail?sent=1"), await r.text()
        bob = stack.store.mailbox(BOB).folder(INBOX)
        received = _parse(bob.read(bob.messages[0].uid))
        inner = next(received.iter_attachments())
        assert inner.get_content_type() == "message/rfc822"
        assert b"Tuesday at nine." in inner.as_bytes()
        assert not stack.store.mailbox(ALICE).folder("Drafts").messages


async def test_missing_draft_is_a_friendly_404(tmp_path: Path) -> None:
    """Opening a draft that was sent or deleted meanwhile says so."""
    async with running_stack(tmp_path) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/compose?draft=999") as r:
            assert r.status == 404 and "This draft no longer exists." in await r.text()
