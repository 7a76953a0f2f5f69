"""Friendly error pages: every failure answers with a sentence, never a stack trace.

aiohttp's own errors (unknown page, wrong method, body too large) and any
unexpected exception in a handler are turned into the webmail's error page.
Redirects pass through untouched.
"""

from __future__ import annotations

import logging

from aiohttp import web

from mailcore.resource_errors import exhausted, log_exhausted
from mailcore.webmail.auth import Handler
from mailcore.webmail.context import error_page, text

log = logging.getLogger("pmemail.webmail")

# the statuses with their own sentence (wording's ``http_<status>``)
WORDED = (400, 403, 404, 405, 413, 500)


def message_key(status: int) -> str:
    """The :mod:`mailcore.webmail.wording` id of the sentence shown for HTTP ``status``."""
    if status in WORDED:
        return f"http_{status}"
    return "http_500" if status >= 500 else "http_400"


@web.middleware
async def friendly_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render 4xx/5xx exceptions and crashes as the HTML error page."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        page = error_page(request, exc.status, text(request, message_key(exc.status)))
        for name in ("Allow", "Retry-After"):  # what a 405/503 must still say
            if name in exc.headers:
                page.headers[name] = exc.headers[name]
        return page
    except ConnectionError:
        raise  # the browser went away mid-download: nobody to show a page to
    except Exception as exc:  # a bug must still give the user a page
        if exhausted(exc):  # descriptors or disk ran out: temporary, one log line a minute
            log_exhausted("webmail", exc)
            page = error_page(request, 503, text(request, "http_500"))
            page.headers["Retry-After"] = "10"
            return page
        log.exception("webmail: error while serving %s %s", request.method, request.path)
        return error_page(request, 500, text(request, "http_500"))
