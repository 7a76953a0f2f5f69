"""Reading a message: its page, the reading pane of wide screens, and its HTML frame.

The page (``/msg``) and the pane (``/mail?...&open=uid``) show the same
thing through ``opened``; a mail's HTML is never in either, only in the
framed ``/frame`` document, which carries its own CSP.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from mailcore.mailstore import FolderError, FolderNameError
from mailcore.webmail.context import (
    ctx_of,
    error_page,
    folder_arg,
    int_arg,
    render,
    session_of,
    text,
)
from mailcore.webmail.dates import header_date
from mailcore.webmail.reading import part_url, read_message

# The frame's own policy: the sender's inline styles apply (the sanitizer kept only
# plain declarations), nothing runs (no script-src, and the CSP sandbox even when
# the frame is opened as a page of its own), images only from here unless asked.
_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'{remote}; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)


async def opened(request: web.Request, folder_name: str, uid: int) -> dict[str, Any] | None:
    """What the reading templates show of message ``uid`` (marked seen, as IMAP
    clients do), or None when there is no such message (or ``uid`` is 0)."""
    if uid <= 0:
        return None
    ctx = ctx_of(request)
    user = session_of(request).address
    images = request.query.get("images") == "1"
    try:
        folder = await ctx.view.folder(user, folder_name)
        path = folder.file(uid)
        reading = await asyncio.to_thread(
            read_message,
            path,
            folder.name,
            uid,
            allow_remote_images=images,
            prefer_text=request.query.get("view") == "text",
        )
    except (FolderError, FolderNameError, KeyError, OSError):
        return None
    await ctx.view.set_seen(user, folder.name, [uid], True)
    base = {"f": folder.name, "uid": uid}
    return {
        "folder": folder.name,
        "uid": uid,
        "m": reading,
        "date": header_date(reading.date, ctx.config.language),
        "part_url": part_url,
        "images_link": "/msg?" + urlencode({**base, "images": 1}),
        "text_link": "/msg?" + urlencode({**base, "view": "text"}),
        "raw_link": "/raw?" + urlencode(base),
        "frame_link": "/frame?" + urlencode({**base, **({"images": 1} if images else {})}),
    }


async def read(request: web.Request) -> web.StreamResponse:
    """GET /msg?f=&uid=: read a message."""
    ctx = ctx_of(request)
    found = await opened(request, folder_arg(request), int_arg(request.query.get("uid")))
    if found is None:
        return error_page(request, 404, text(request, "message_gone"))
    folders = await ctx.view.folders(session_of(request).address)
    return render(
        request,
        "message.html",
        targets=[f.name for f in folders if f.name != found["folder"]],
        **found,
    )


async def html_frame(request: web.Request) -> web.StreamResponse:
    """GET /frame?f=&uid=[&images=1]: the sanitized HTML body as its own document.

    The reading page shows it in a sandboxed ``<iframe>`` (no ``allow-scripts``),
    so the page itself keeps a CSP without inline styles while the mail keeps
    the colours its sender gave it.
    """
    ctx = ctx_of(request)
    user = session_of(request).address
    uid = int_arg(request.query.get("uid"))
    images = request.query.get("images") == "1"
    try:
        folder = await ctx.view.folder(user, folder_arg(request))
        path = folder.file(uid)
        reading = await asyncio.to_thread(
            read_message, path, folder.name, uid, allow_remote_images=images
        )
    except (FolderError, FolderNameError, KeyError, OSError):
        return error_page(request, 404, text(request, "message_gone"))
    response = render(request, "frame.html", html=reading.html, text=reading.text)
    remote = " https: http:" if images else ""
    response.headers["Content-Security-Policy"] = _FRAME_CSP.format(remote=remote)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
