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

from mailcore.mailstore import DELIMITER, INBOX, FolderError, FolderNameError
from mailcore.mime import Part, decode_part, scan
from mailcore.webmail.context import (
    ctx_of,
    error_page,
    folder_arg,
    form_of,
    int_arg,
    render,
    session_of,
    text,
)
from mailcore.webmail.mailview import STANDARD
from mailcore.webmail.reading_views import opened
from mailcore.webmail.wording import folder_label

log = logging.getLogger("pmemail.webmail")
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_OPAQUE = "application/octet-stream"


def _harmless(content_type: str) -> bool:
    """Whether a download may keep its type: never HTML, nor a script type that a
    ``<script src>`` of this origin would run (the pages allow ``script-src 'self'``)."""
    low = content_type.lower()
    return low != "text/html" and "script" not in low and "json" not in low


_NOTICES = (
    "moved",
    "deleted",
    "destroyed",
    "restored",
    "marked_read",
    "marked_unread",
    "folder_renamed",
    "folder_deleted",
)


def notice_of(request: web.Request, existing: set[str]) -> str:
    """The sentence saying what the last action did (``?sent=1``, ``?done=...&n=``).

    A link anyone can craft leads here, so a folder it names must be one of the
    user's (``existing``; a deleted one must not be), or nothing is said.
    """
    if request.query.get("sent") == "1":
        return text(request, "sent")
    done = request.query.get("done", "")
    to = request.query.get("to", "")
    if done not in _NOTICES:
        return ""
    if done == "folder_deleted" and (not to or to in existing or len(to) > 60):
        return ""
    if done in ("moved", "restored", "folder_renamed") and to not in existing:
        return ""
    return text(request, done, n=int_arg(request.query.get("n")), folder=_label(request, to))


def _label(request: web.Request, folder: str) -> str:
    return folder_label(ctx_of(request).config.language, folder)


async def index(request: web.Request) -> web.StreamResponse:
    """GET /: the inbox."""
    raise web.HTTPSeeOther("/mail")


async def message_list(request: web.Request) -> web.StreamResponse:
    """GET /mail?f=&page=&q=: one page of a folder, newest first."""
    ctx = ctx_of(request)
    user = session_of(request).address
    folder = folder_arg(request)
    query = request.query.get("q", "")[:200]
    try:
        summaries, pages = await ctx.view.page(
            user, folder, int_arg(request.query.get("page"), 1), ctx.config.webmail.page_size, query
        )
        folders = await ctx.view.folders(user)
    except (FolderError, FolderNameError) as err:
        return error_page(request, 404, str(err))
    page = min(max(1, int_arg(request.query.get("page"), 1)), pages)

    def page_link(n: int) -> str:
        return "/mail?" + urlencode({"f": folder, "page": n, **({"q": query} if query else {})})

    return render(
        request,
        "list.html",
        notice=notice_of(request, {f.name for f in folders}),
        undo=request.query.get("undo", "").split()
        if request.query.get("done") == "deleted"
        else [],
        undo_to=folder,
        folder=folder,
        folders=folders,
        messages=summaries,
        page=page,
        pages=pages,
        query=query,
        page_link=page_link,
        targets=[f.name for f in folders if f.name != folder],
        own_folder=folder not in STANDARD,
        count=len((await ctx.view.folder(user, folder)).messages),
        # the reading pane of wide screens (webmail.js links rows to ?open=uid)
        pane=await opened(request, folder, int_arg(request.query.get("open"))),
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
    uid, number = int_arg(request.query.get("uid")), int_arg(request.query.get("n"))
    try:
        path = (await ctx.view.folder(user, folder_arg(request))).file(uid)
        root = await asyncio.to_thread(scan, path)
    except (FolderError, FolderNameError, KeyError, OSError):
        return error_page(request, 404, text(request, "message_gone"))
    part: Part | None = next((p for p in root.parts if p.number == number), None)
    if part is None:
        return error_page(request, 404, text(request, "no_attachment"))
    inline = request.query.get("inline") == "1" and part.content_type in _INLINE_TYPES
    ctype = part.content_type if inline or _harmless(part.content_type) else _OPAQUE
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
    uid = int_arg(request.query.get("uid"))
    try:
        path = (await ctx.view.folder(user, folder_arg(request))).file(uid)
        f = open(path, "rb")  # noqa: SIM115 - closed when the stream ends
    except (FolderError, FolderNameError, KeyError, OSError):
        return error_page(request, 404, text(request, "message_gone"))
    try:
        chunks = iter(lambda: f.read(1 << 16), b"")
        return await _stream(
            request, chunks, "message/rfc822", _disposition("attachment", f"message-{uid}.eml")
        )
    finally:
        f.close()


def _done(folder: str, done: str, count: int, **more: str) -> str:
    """The list of ``folder`` telling what was just done (``notice_of`` reads it)."""
    return "/mail?" + urlencode({"f": folder, "done": done, "n": count, **more})


async def action(request: web.Request) -> web.StreamResponse:
    """POST /action: read/unread/delete/move (and undo of a delete) for the checked messages.

    The page it leads to says what was done; a delete to the Trash offers to
    undo it (``op=undo``: the Trash's uids moved back to ``dest``).
    """
    ctx = ctx_of(request)
    user = session_of(request).address
    form = await form_of(request)
    folder = str(form.get("f", INBOX)) or INBOX
    uids = [int_arg(v) for v in form.getall("uid", [])]
    op = str(form.get("op", ""))
    back = str(form.get("back", "")) or "/mail?" + urlencode({"f": folder})
    if not back.startswith("/") or back.startswith("//"):
        back = "/mail"
    if not uids and op in ("read", "unread", "delete", "move", "undo"):
        return error_page(request, 400, text(request, "none_selected"))
    try:
        if op in ("read", "unread"):
            await ctx.view.set_seen(user, folder, uids, op == "read")
            if not form.get("back"):
                back = _done(folder, "marked_" + op, len(uids))
        elif op == "delete":
            moved = await ctx.view.delete(user, folder, uids)
            if moved is None:
                back = _done(folder, "destroyed", len(uids))
            else:
                undo = " ".join(map(str, moved))
                back = _done(folder, "deleted", len(moved), undo=undo)
        elif op in ("move", "undo"):
            dest = str(form.get("dest", ""))
            if not dest:
                return error_page(request, 400, text(request, "choose_folder"))
            moved = await ctx.view.move(user, folder, uids, dest)
            if op == "undo":
                back = _done(dest, "restored", len(moved), to=dest)
            else:
                back = _done(folder, "moved", len(moved), to=dest)
        else:
            return error_page(request, 400, text(request, "unknown_action", op=repr(op)))
    except (FolderError, FolderNameError) as err:
        return error_page(request, 400, str(err))
    raise web.HTTPSeeOther(back)


async def folders(request: web.Request) -> web.StreamResponse:
    """POST /folders: create (``op`` absent or ``create``), rename or delete a user folder.

    IMAP semantics (the store's ``Mailbox``): a rename takes the folder's
    subfolders along; a folder with subfolders is not deleted; a deleted
    folder's messages go with it (the form asks to confirm). The standard
    folders, which the webmail and mail programs rely on, are left alone.
    """
    ctx = ctx_of(request)
    user = session_of(request).address
    form = await form_of(request)
    op = str(form.get("op", "create")) or "create"
    name = str(form.get("name", "")).strip()
    box = ctx.view.store.mailbox(user)
    try:
        if op == "create":
            box.create(name)
            raise web.HTTPSeeOther("/mail?" + urlencode({"f": name}))
        if op not in ("rename", "delete"):
            return error_page(request, 400, text(request, "unknown_action", op=repr(op)))
        if name in STANDARD:
            return error_page(
                request, 400, text(request, "folder_standard", folder=_label(request, name))
            )
        if op == "rename":
            new = str(form.get("new", "")).strip()
            box.rename(name, new)
            raise web.HTTPSeeOther(_done(new, "folder_renamed", 0, to=new))
        if not form.get("confirm"):  # its messages go with it: only when ticked
            return error_page(request, 400, text(request, "folder_confirm_needed"))
        if any(n.startswith(name + DELIMITER) for n in box.folder_names()):
            return error_page(request, 400, text(request, "folder_has_children", folder=name))
        box.delete(name)
        raise web.HTTPSeeOther(_done(INBOX, "folder_deleted", 0, to=name))
    except (FolderError, FolderNameError) as err:
        return error_page(request, 400, str(err))
