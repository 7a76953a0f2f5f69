"""What every webmail handler shares: config, stores, sessions, templates; and page helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from mailcore.interfaces import UserDirectory
from mailcore.throttle import AuthThrottle
from mailcore.webmail.addressbook import AddressBook
from mailcore.webmail.mailview import MailView, format_size
from mailcore.webmail.reading import decoded_size
from mailcore.webmail.sessions import SessionStore, WebSession
from mailcore.webmail.submit import Submitter
from mailcore.webmail.wording import folder_label, say, too_large
from pmemail.config.model import Config

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@dataclass
class WebmailContext:
    """The webmail's collaborators (one per service)."""

    config: Config
    users: UserDirectory
    throttle: AuthThrottle
    view: MailView
    book: AddressBook
    submitter: Submitter
    sessions: SessionStore
    spool: Path  # uploads and composed messages, on the Maildirs' disk
    env: jinja2.Environment
    requests_total: int = 0
    logins_total: int = 0
    # address -> uid of the draft kept from a form sent after its session expired,
    # opened by that user's next login
    restores: dict[str, int] = field(default_factory=dict)


def template_env() -> jinja2.Environment:
    """Jinja with autoescaping on (every value is HTML-escaped unless marked safe)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["size"] = _size
    env.filters["decoded_size"] = _decoded_size
    return env


@jinja2.pass_context
def _size(context: jinja2.runtime.Context, size: int) -> str:
    """The ``size`` filter: in the page's language (``lang``, set by :func:`render`)."""
    return format_size(size, str(context.get("lang", "en")))


@jinja2.pass_context
def _decoded_size(context: jinja2.runtime.Context, part: Any) -> str:
    """The ``decoded_size`` filter: a MIME part's size once decoded, in the page's language."""
    return format_size(decoded_size(part), str(context.get("lang", "en")))


CTX: web.AppKey[WebmailContext] = web.AppKey("webmail", WebmailContext)
SESSION: web.RequestKey[WebSession] = web.RequestKey("session", WebSession)
# set on a POST /send whose session had expired: its form is kept as a draft
EXPIRED: web.RequestKey[bool] = web.RequestKey("expired_session", bool)


def folder_arg(request: web.Request) -> str:
    """The folder named by the query's ``f`` (INBOX when absent)."""
    return request.query.get("f", "INBOX") or "INBOX"


def int_arg(value: object, default: int = 0) -> int:
    """``value`` as an integer (``default`` when it is not one)."""
    try:
        return int(str(value))
    except ValueError:
        return default


def ctx_of(request: web.Request) -> WebmailContext:
    """The context of the app serving ``request``."""
    return request.app[CTX]


def session_of(request: web.Request) -> WebSession:
    """The logged-in session (the auth middleware guarantees one on protected routes)."""
    return request[SESSION]


async def form_of(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The request's url-encoded or multipart form (``request.post()``).

    A body that is not UTF-8 (a raw 0xfc byte typed into the login form by a
    Latin-1 client) makes aiohttp's decoder raise: that is the client's fault,
    so it is a 400 page, not a 500.
    """
    try:
        return await request.post()
    except UnicodeDecodeError:
        raise web.HTTPBadRequest() from None


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    """A page from template ``name``; the session's CSRF token is always available."""
    ctx = ctx_of(request)
    session = request.get(SESSION)
    values.setdefault("csrf", session.csrf if isinstance(session, WebSession) else "")
    values.setdefault("user", session.address if isinstance(session, WebSession) else "")
    values.setdefault("domain", ctx.config.mail.domain)
    values.setdefault("lang", ctx.config.language)
    # webmail.js pings this often on an open compose page, so the session stays alive
    values.setdefault("keepalive", max(5, min(300, int(ctx.config.webmail.session_idle / 3))))
    values.setdefault("t", lambda key, **kw: say(ctx.config.language, key, **kw))
    values.setdefault("folder_label", lambda name: folder_label(ctx.config.language, name))
    limit = ctx.config.mail.max_message_size
    values.setdefault("upload_limit", limit)  # webmail.js warns before uploading
    values.setdefault("too_large", lambda: too_large(ctx.config.language, limit))
    body = ctx.env.get_template(name).render(**values)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def text(request: web.Request, key: str, **values: object) -> str:
    """The sentence ``key`` of ``wording`` in the configured language."""
    return say(ctx_of(request).config.language, key, **values)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """A plain page telling what went wrong."""
    return render(request, "error.html", status=status, message=message)
