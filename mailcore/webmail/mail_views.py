"""Folder list, message list, reading, downloads and message actions.

Every handler goes through ``MailView`` / the mailstore: the web layer never
builds a Maildir path itself. Downloads stream the decoded part from the
stored file in chunks, so RSS stays flat whatever the attachment size.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from urllib.parse import quote, urlencode

from aiohttp import web

from mailcore.mailstore import INBOX, FolderError, FolderNameError
from mailcore.mime import Part, decode_part, scan
from mailcore.webmail.context import (
    REMOTE_IMAGES,
    ctx_of,
    error_page,
    form_of,
    render,
    session_of,
)
from mailcore.webmail.reading import part_url, read_message

log = logging.getLogger("pmemail.webmail")
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _folder_arg(request: web.Request) -> str:
    return request.query.get("f", INBOX) or INBOX


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


async def index(request: web.Request) -> web.StreamResponse:
    """GET /: the inbox."""
    raise web.HTTPSeeOther("/mail")


async def message_list(request: web.Request) -> web.StreamResponse:
    """GET /mail?f=&page=&q=: one page of a folder, newest first."""
    ctx = ctx_of(request)
    user = session_of(request).address
    folder = _folder_arg(request)
    query = request.query.get("q", "")[:200]
    try:
        summaries, pages = await ctx.view.page(
            user, folder, _int(request.query.get("page"), 1), ctx.config.webmail.page_size, query
        )
        folders = await ctx.view.folders(user)
    except (FolderError, FolderNameError) as err:
        return error_page(request, 404, str(err))
    page = min(max(1, _int(request.query.get("page"), 1)), pages)

    def page_link(n: int) -> str:
        return "/mail?" + urlencode({"f": folder, "page": n, **({"q": query} if query else {})})

    return render(
        request,
        "list.html",
        folder=folder,
        folders=folders,
        messages=summaries,
        page=page,
        pages=pages,
        query=query,
        page_link=page_link,
        targets=[f.name for f in folders if f.name != folder],
    )


async def read(request: web.Request) -> web.StreamResponse:
    """GET /msg?f=&uid=: read a message (marks it seen, as IMAP clients would)."""
    ctx = ctx_of(request)
    user = session_of(request).address
    folder_name = _folder_arg(request)
    uid = _int(request.query.get("uid"))
    images = request.query.get("images") == "1"
    try:
        folder = await ctx.view.folder(user, folder_name)
        path = folder.file(uid)
    except (FolderError, FolderNameError, KeyError):
        return error_page(request, 404, "This message no longer exists.")
    try:
        reading = await asyncio.to_thread(
            read_message,
            path,
            folder.name,
            uid,
            allow_remote_images=images,
            prefer_text=request.query.get("view") == "text",
        )
    except OSError:
        return error_page(request, 404, "This message no longer exists.")
    await ctx.view.set_seen(user, folder.name, [uid], True)
    folders = await ctx.view.folders(user)
    request[REMOTE_IMAGES] = images
    base = {"f": folder.name, "uid": uid}
    return render(
        request,
        "message.html",
        folder=folder.name,
        uid=uid,
        m=reading,
        part_url=part_url,
        images_link="/msg?" + urlencode({**base, "images": 1}),
        text_link="/msg?" + urlencode({**base, "view": "text"}),
        raw_link="/raw?" + urlencode(base),
        targets=[f.name for f in folders if f.name != folder.name],
    )


def _disposition(kind: str, filename: str) -> str:
    ascii_name = (
        "".join(c if (c.isascii() and c.isalnum()) or c in "._- " else "_" for c in filename)
        or "attachment"
    )
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def _stream(
    request: web.Request, chunks: Iterator[bytes], content_type: str, disposition: str
) -> web.StreamResponse:
    """Send ``chunks`` (a blocking iterator, read in a thread) as the response body."""
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": disposition,
            "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
        }
    )
    await response.prepare(request)
    sentinel = b""
    while True:
        chunk = await asyncio.to_thread(next, chunks, sentinel)
        if chunk is sentinel:
            break
        if chunk:
            await response.write(chunk)
    await response.write_eof()
    return response


async def download_part(request: web.Request) -> web.StreamResponse:
    """GET /part?f=&uid=&n=: one attachment, decoded while streaming."""
    ctx = ctx_of(request)
    user = session_of(request).address
    uid, number = _int(request.query.get("uid")), _int(request.query.get("n"))
    try:
        path = (await ctx.view.folder(user, _folder_arg(request))).file(uid)
        root = await asyncio.to_thread(scan, path)
    except (FolderError, FolderNameError, KeyError, OSError):
        return error_page(request, 404, "This message no longer exists.")
    part: Part | None = next((p for p in root.parts if p.number == number), None)
    if part is None:
        return error_page(request, 404, "No such attachment.")
    inline = request.query.get("inline") == "1" and part.content_type in _INLINE_TYPES
    ctype = (
        part.content_type
        if inline or part.content_type != "text/html"
        else "application/octet-stream"
    )
    name = part.filename or f"part-{number}"
    f = open(path, "rb")  # noqa: SIM115 - closed when the stream ends
    try:
        return await _stream(
            request,
            decode_part(f, part),
            ctype,
            _disposition("inline" if inline else "attachment", name),
        )
    finally:
        f.close()


async def download_raw(request: web.Request) -> web.StreamResponse:
    """GET /raw?f=&uid=: the original message as a .eml file."""
    ctx = ctx_of(request)
    user = session_of(request).address
    uid = _int(request.query.get("uid"))
    try:
        path = (await ctx.view.folder(user, _folder_arg(request))).file(uid)
        f = open(path, "rb")  # noqa: SIM115 - closed when the stream ends
    except (FolderError, FolderNameError, KeyError, OSError):
        return error_page(request, 404, "This message no longer exists.")
    try:
        chunks = iter(lambda: f.read(1 << 16), b"")
        return await _stream(
            request, chunks, "message/rfc822", _disposition("attachment", f"message-{uid}.eml")
        )
    finally:
        f.close()


async def action(request: web.Request) -> web.StreamResponse:
    """POST /action: read/unread/delete/move for the checked messages."""
    ctx = ctx_of(request)
    user = session_of(request).address
    form = await form_of(request)
    folder = str(form.get("f", INBOX)) or INBOX
    uids = [_int(v) for v in form.getall("uid", [])]
    op = str(form.get("op", ""))
    back = str(form.get("back", "")) or "/mail?" + urlencode({"f": folder})
    if not back.startswith("/") or back.startswith("//"):
        back = "/mail"
    try:
        if op == "read":
            await ctx.view.set_seen(user, folder, uids, True)
        elif op == "unread":
            await ctx.view.set_seen(user, folder, uids, False)
        elif op == "delete":
            await ctx.view.delete(user, folder, uids)
            back = "/mail?" + urlencode({"f": folder})
        elif op == "move":
            dest = str(form.get("dest", ""))
            if not dest:
                return error_page(request, 400, "Choose the folder to move to.")
            await ctx.view.move(user, folder, uids, dest)
            back = "/mail?" + urlencode({"f": folder})
        else:
            return error_page(request, 400, f"Unknown action {op!r}.")
    except (FolderError, FolderNameError) as err:
        return error_page(request, 400, str(err))
    raise web.HTTPSeeOther(back)


async def create_folder(request: web.Request) -> web.StreamResponse:
    """POST /folders: create a user folder."""
    ctx = ctx_of(request)
    user = session_of(request).address
    name = str((await form_of(request)).get("name", "")).strip()
    try:
        ctx.view.store.mailbox(user).create(name)
    except (FolderError, FolderNameError) as err:
        return error_page(request, 400, str(err))
    raise web.HTTPSeeOther("/mail?" + urlencode({"f": name}))
