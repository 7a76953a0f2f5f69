"""Compose, reply, reply-all, forward, and sending with streamed attachment uploads.

The send form is multipart: its first field must be the CSRF token, checked
before anything is written. Uploaded files go to spool files chunk by chunk,
each refused as soon as its base64 size no longer fits ``mail.max_message_size``,
the message is written to another spool file (``compose.write_message``) and
handed to the ``Submitter`` (the submission policy: sender, routing, queue,
Sent copy). Spool files are removed whatever happens.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import secrets
from pathlib import Path

from aiohttp import BodyPartReader, web

from mailcore.mailstore import FolderError, FolderNameError
from mailcore.mime import Part
from mailcore.webmail.compose import (
    MESSAGE_OVERHEAD,
    PART_OVERHEAD,
    ComposeError,
    Draft,
    Upload,
    encoded_size,
    write_message,
)
from mailcore.webmail.context import (
    EXPIRED,
    WebmailContext,
    ctx_of,
    error_page,
    render,
    session_of,
    text,
)
from mailcore.webmail.drafts import (
    DRAFTS,
    discard_draft,
    extract_kept,
    open_draft,
    store_draft,
    write_draft,
)
from mailcore.webmail.reading import quote_for_reply, read_message
from mailcore.webmail.submit import SubmitError
from mailcore.webmail.wording import too_large
from pmemail.fsutil import make_private_dir

log = logging.getLogger("pmemail.webmail")
_MAX_FIELD = 4 * 1024 * 1024  # the text of a message; attachments have their own limit
_FIELDS = (
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "body",
    "in_reply_to",
    "references",
    "fwd_f",
    "fwd_uid",
    "draft_uid",
    "op",
)


class UploadTooLarge(ComposeError):
    """The uploads exceed the message size limit (answered with 413)."""


def _prefix(subject: str, prefix: str) -> str:
    return subject if subject.lower().startswith(prefix.lower()) else f"{prefix} {subject}"


async def compose_form(request: web.Request) -> web.StreamResponse:
    """GET /compose[?mode=reply|replyall|forward&f=&uid= | ?draft=uid]: the form, pre-filled."""
    ctx = ctx_of(request)
    user = session_of(request).address
    values: dict[str, str] = dict.fromkeys(_FIELDS, "")
    values["from"] = user
    mode = request.query.get("mode", "")
    if "draft" in request.query:
        try:
            uid = int(request.query["draft"])
            path = (await ctx.view.folder(user, DRAFTS)).file(uid)
            opened = await asyncio.to_thread(open_draft, path)
        except (ValueError, KeyError, OSError, FolderError, FolderNameError):
            return error_page(request, 404, text(request, "draft_gone"))
        values.update(opened.values, draft_uid=str(uid))
        notice = text(request, "draft_saved") if request.query.get("saved") == "1" else ""
        if request.query.get("restored") == "1":
            notice = text(request, "draft_restored")
        return render(
            request,
            "compose.html",
            v=values,
            error="",
            notice=notice,
            kept=opened.attachments,
            contacts=await ctx.book.contacts(user),
        )
    if mode in ("reply", "replyall", "forward"):
        folder_name = request.query.get("f", "INBOX")
        try:
            uid = int(request.query.get("uid", "0"))
            folder = await ctx.view.folder(user, folder_name)
            path = folder.file(uid)
            m = await asyncio.to_thread(
                read_message, path, folder.name, uid, allow_remote_images=False, prefer_text=True
            )
        except (ValueError, KeyError, OSError, FolderError, FolderNameError):
            return error_page(request, 404, text(request, "message_gone"))
        if mode == "forward":
            values["subject"] = _prefix(m.subject, "Fwd:")
            values["fwd_f"], values["fwd_uid"] = folder.name, str(uid)
            values["body"] = "\n\n" + text(request, "forwarded_body")
        else:
            values["subject"] = _prefix(m.subject, "Re:")
            values["to"] = m.reply_to or m.sender_address
            values["in_reply_to"] = m.message_id
            values["references"] = f"{m.references} {m.message_id}".strip()
            values["body"] = quote_for_reply(m, ctx.config.language)
            if mode == "replyall":
                others = [
                    a
                    for _, a in email.utils.getaddresses([m.to, m.cc])
                    if a and a.lower() != user and a.lower() not in values["to"].lower()
                ]
                values["cc"] = ", ".join(dict.fromkeys(others))
    return render(
        request,
        "compose.html",
        v=values,
        error="",
        notice="",
        kept=[],
        contacts=await ctx.book.contacts(user),
    )


async def _read_field(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk():
        data += chunk
        if len(data) > _MAX_FIELD:
            raise ComposeError("field_too_long", name=repr(part.name))
    return data.decode(part.get_charset("utf-8") or "utf-8", "replace")


async def _spool_upload(part: BodyPartReader, path: Path, budget: int) -> int:
    """Write one uploaded file to ``path``; its size once encoded in the message.

    Raises:
        UploadTooLarge: as soon as the encoded size passes ``budget``, before the
            rest is read (and so long before any message is built).
    """
    size = 0
    with open(path, "wb") as out:
        while chunk := await part.read_chunk(1 << 16):
            size += len(chunk)
            if encoded_size(size) + PART_OVERHEAD > budget:
                raise UploadTooLarge("attachments_too_large")
            await asyncio.to_thread(out.write, chunk)
    return encoded_size(size) + PART_OVERHEAD


async def send(request: web.Request) -> web.StreamResponse:
    """POST /send (multipart/form-data): check CSRF first, spool uploads, then send or
    save as a draft (``op=draft``; ``op=autosave`` answers the draft's uid as JSON).

    A form sent by a session that had expired is saved as a draft, never sent:
    the user logs in again and finds it opened (``auth.login``).
    """
    ctx = ctx_of(request)
    session = session_of(request)
    make_private_dir(ctx.spool)
    tag = secrets.token_hex(8)
    spool_files: list[Path] = []
    values: dict[str, str] = dict.fromkeys(_FIELDS, "")
    try:
        first = None
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            first = await reader.next()
        if (
            not isinstance(first, BodyPartReader)
            or first.name != "_csrf"
            or not session.csrf_ok(await _read_field(first))
        ):
            log.warning("webmail: CSRF token missing or wrong for %s on /send", session.address)
            return error_page(request, 403, text(request, "csrf_missing"))
        uploads: list[Upload] = []
        keep: list[int] = []
        # What the message may still grow by, counted as base64 (the worst case
        # for text, the case for files): an upload stops as soon as it no longer fits.
        budget = ctx.config.mail.max_message_size - MESSAGE_OVERHEAD
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: not something our form sends
            if part.filename is not None:
                if not part.filename:
                    await part.release()  # an empty file input
                    continue
                path = ctx.spool / f"webmail-{tag}-{len(spool_files)}.upload"
                spool_files.append(path)
                budget -= await _spool_upload(part, path, budget)
                ctype = part.headers.get("Content-Type", "")
                uploads.append(Upload(path, part.filename, ctype))
            elif part.name == "keep":
                keep.append(_int(await _read_field(part)))
            elif part.name in values:
                values[part.name] = await _read_field(part)
                budget -= encoded_size(len(values[part.name].encode()))
            else:
                await part.release()
        return await _finish(request, ctx, session.address, values, uploads, keep, spool_files, tag)
    except ComposeError as err:
        if isinstance(err, UploadTooLarge):
            return await _form_again(request, ctx, session.address, values, _too_large(ctx), 413)
        words = err.words(ctx.config.language)
        return await _form_again(request, ctx, session.address, values, words, 400)
    finally:
        for path in spool_files:
            path.unlink(missing_ok=True)


def _too_large(ctx: WebmailContext) -> str:
    """The refusal of an upload over the limit, with the limit in message and file sizes."""
    return too_large(ctx.config.language, ctx.config.mail.max_message_size)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _draft_uid(values: dict[str, str]) -> int | None:
    uid = _int(values["draft_uid"])
    return uid or None


async def _form_again(
    request: web.Request,
    ctx: WebmailContext,
    user: str,
    values: dict[str, str],
    error: str,
    status: int,
) -> web.Response:
    """The compose form with what was typed and the error (new uploads must be re-added)."""
    kept: list[Part] = []
    uid = _draft_uid(values)
    if uid is not None:
        try:
            path = (await ctx.view.folder(user, DRAFTS)).file(uid)
            kept = (await asyncio.to_thread(open_draft, path)).attachments
        except (KeyError, OSError, FolderError):
            values["draft_uid"] = ""
    return render(
        request,
        "compose.html",
        status=status,
        v=values,
        error=error,
        notice="",
        kept=kept,
        contacts=await ctx.book.contacts(user),
    )


async def _finish(
    request: web.Request,
    ctx: WebmailContext,
    user: str,
    values: dict[str, str],
    uploads: list[Upload],
    keep: list[int],
    spool_files: list[Path],
    tag: str,
) -> web.Response:
    """Add the draft's kept attachments, then send or save as a draft."""
    forward: Path | None = None
    draft_uid = _draft_uid(values)
    drafts = await ctx.view.folder(user, DRAFTS)
    if draft_uid is not None and keep:
        try:
            source = drafts.file(draft_uid)
        except KeyError:
            raise ComposeError("draft_changed") from None
        kept, forward, written = await asyncio.to_thread(extract_kept, source, keep, ctx.spool, tag)
        spool_files.extend(written)
        uploads = kept + uploads
    if values["fwd_f"] and values["fwd_uid"]:
        try:
            fwd_folder = await ctx.view.folder(user, values["fwd_f"])
            forward = fwd_folder.file(int(values["fwd_uid"]))
        except (ValueError, KeyError, FolderError, FolderNameError):
            raise ComposeError("forward_gone") from None
    record = ctx.users.get(user)
    draft = Draft(
        from_addr=values["from"].strip() or user,
        from_name=record.display_name if record else "",
        to=values["to"],
        cc=values["cc"],
        bcc=values["bcc"],
        subject=values["subject"],
        body=values["body"],
        in_reply_to=values["in_reply_to"],
        references=values["references"],
        attachments=uploads,
        forward=forward,
    )
    message = ctx.spool / f"webmail-{tag}.eml"
    spool_files.append(message)
    expired = request.get(EXPIRED, False)
    if values["op"] in ("draft", "autosave") or expired:
        await asyncio.to_thread(write_draft, draft, message)
        try:
            new_uid = await store_draft(drafts, message, draft_uid)
        except OSError as err:
            log.error("webmail: saving a draft for %s failed: %s", user, err)
            raise ComposeError("draft_not_saved") from err
        if expired:  # the next login of this user opens it again
            ctx.restores[user] = new_uid
            raise web.HTTPSeeOther("/login?kept=1")
        if values["op"] == "autosave":  # webmail.js keeps editing the same page
            return web.json_response({"draft": new_uid})
        raise web.HTTPSeeOther(f"/compose?draft={new_uid}&saved=1")
    recipients = draft.recipients()
    if not recipients:
        raise ComposeError("add_recipient")
    await asyncio.to_thread(_write, draft, message)
    # Kept draft attachments and a forwarded message are not counted while uploads
    # stream in: the written message is checked before anything is sent.
    if message.stat().st_size > ctx.config.mail.max_message_size:
        raise UploadTooLarge("message_too_large")
    try:
        await ctx.submitter.submit(user, draft.from_addr, recipients, message)
    except SubmitError as err:
        words = err.words(ctx.config.language)
        return await _form_again(
            request,
            ctx,
            user,
            values,
            text(request, "add_attachments_again", error=words) if uploads else words,
            400,
        )
    discard_draft(drafts, draft_uid)
    raise web.HTTPSeeOther("/mail?sent=1")


def _write(draft: Draft, path: Path) -> None:
    with open(path, "wb") as out:
        write_message(draft, out)
