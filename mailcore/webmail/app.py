"""The aiohttp application: routes, middlewares and the autoconfig endpoints."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Middleware

from mailcore.webmail import auth, compose_views, mail_views, reading_views
from mailcore.webmail.autoconfig import (
    AutodiscoverError,
    autodiscover_xml,
    parse_autodiscover_request,
    thunderbird_xml,
)
from mailcore.webmail.context import CTX, STATIC, WebmailContext, ctx_of
from mailcore.webmail.errors import friendly_errors
from mailcore.webmail.plain_http import ResponseHook
from pmemail.config.mail_policy import mta_sts_policy

_XML = "application/xml"


def _preferred(ctx: WebmailContext, address: str) -> str | None:
    """The user's own protocol (IMAP or POP3) when the address is a known user."""
    user = ctx.users.get(address) if address and "@" in address else None
    return user.protocol if user is not None else None


async def thunderbird(request: web.Request) -> web.Response:
    """GET the Thunderbird ``config-v1.1.xml``."""
    ctx = ctx_of(request)
    address = request.query.get("emailaddress", "").strip().lower()
    body = thunderbird_xml(ctx.config, _preferred(ctx, address))
    return web.Response(body=body, content_type=_XML, charset="utf-8")


async def autodiscover(request: web.Request) -> web.Response:
    """POST Outlook's ``autodiscover.xml``."""
    ctx = ctx_of(request)
    body = await request.content.read(64 * 1024 + 1)
    try:
        address = parse_autodiscover_request(body)
    except AutodiscoverError as err:
        return web.Response(status=400, text=f"bad autodiscover request: {err}")
    xml = autodiscover_xml(ctx.config, address, _preferred(ctx, address.lower()))
    return web.Response(body=xml, content_type=_XML, charset="utf-8")


async def mta_sts(request: web.Request) -> web.Response:
    """GET the MTA-STS policy (RFC 8461), asked for at ``https://mta-sts.<domain>/``.

    One policy for every mail domain: they all have the same MX, this server.
    """
    policy = mta_sts_policy(ctx_of(request).config)
    return web.Response(text=policy, content_type="text/plain", charset="utf-8")


async def keepalive(request: web.Request) -> web.Response:
    """GET /keepalive: nothing, but the session it reaches stays alive (webmail.js
    asks while a compose page is open)."""
    return web.Response(status=204)


async def static_file(request: web.Request) -> web.StreamResponse:
    """GET /static/<name>: the stylesheet (a missing file is the friendly 404 page,
    which ``web.static`` cannot give: its file response answers a bare 404 itself)."""
    path = STATIC / request.match_info["name"]
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path)


def autoconfig_routes() -> list[web.RouteDef]:
    """The client-configuration routes (Outlook, Thunderbird) and the MTA-STS policy."""
    return [
        web.get("/.well-known/autoconfig/mail/config-v1.1.xml", thunderbird),
        web.get("/mail/config-v1.1.xml", thunderbird),
        web.post("/autodiscover/autodiscover.xml", autodiscover),
        web.post("/Autodiscover/Autodiscover.xml", autodiscover),
        web.get("/.well-known/mta-sts.txt", mta_sts),
    ]


def build_app(
    ctx: WebmailContext,
    *,
    guard: Middleware | None = None,
    extra_routes: Iterable[web.RouteDef] = (),
    on_prepare: Iterable[ResponseHook] = (),
) -> web.Application:
    """The webmail application (uploads are streamed, so no body-size cap here).

    Args:
        ctx: the shared handler context.
        guard: a first middleware deciding what this port may serve
            (``mailcore.webmail.plain_http``); None on HTTPS.
        extra_routes: e.g. the ACME challenge on port 80.
        on_prepare: more response hooks (HSTS on HTTPS).
    """
    first = [guard] if guard is not None else []
    app = web.Application(
        middlewares=[*first, auth.count_requests, friendly_errors, auth.require_login],
        client_max_size=4 * 1024 * 1024,
    )
    app[CTX] = ctx
    app.on_response_prepare.append(auth.security_headers)
    app.on_response_prepare.extend(on_prepare)
    app.add_routes(
        [
            web.get("/", mail_views.index),
            web.get("/login", auth.login_form),
            web.post("/login", auth.login),
            web.post("/logout", auth.logout),
            web.get("/mail", mail_views.message_list),
            web.get("/msg", reading_views.read),
            web.get("/frame", reading_views.html_frame),
            web.get("/part", mail_views.download_part),
            web.get("/raw", mail_views.download_raw),
            web.post("/action", mail_views.action),
            web.post("/folders", mail_views.folders),
            web.get("/compose", compose_views.compose_form),
            web.get("/keepalive", keepalive),
            web.post("/send", compose_views.send),
            web.get(r"/static/{name:[A-Za-z0-9_-][A-Za-z0-9._-]*}", static_file),
            *autoconfig_routes(),
            *extra_routes,
        ]
    )
    return app
