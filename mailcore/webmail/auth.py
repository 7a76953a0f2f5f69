"""Login, logout, and the middlewares guarding every page (session, CSRF, headers).

CSRF: every state-changing request is a POST carrying the session's token in
the ``_csrf`` field (checked here for url-encoded forms; multipart forms are
checked by their handler before any upload is stored). The login form has no
session yet, so it uses a double-submit token held in a short cookie. A
browser-sent ``Origin`` must also be this site.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from mailcore.password_checks import check_password
from mailcore.throttle import Locked
from mailcore.webmail.context import (
    EXPIRED,
    SESSION,
    ctx_of,
    error_page,
    form_of,
    render,
    text,
)
from mailcore.webmail.sessions import COOKIE, LOGIN_COOKIE, same_token

log = logging.getLogger("pmemail.webmail")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_PREFIXES = (
    "/login",
    "/static/",
    "/.well-known/",
    "/mail/config-v1.1.xml",
    "/autodiscover/",
    "/Autodiscover/",
)
MULTIPART_CHECKED = ("/send",)  # handlers that check the token in the form stream

# Scripts only from this origin's files (/static; downloads never carry a script
# type), no inline script or style; a mail's HTML is in a framed page of its own
# (``reading_views.html_frame``), which sets its own policy.
_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def is_public(path: str) -> bool:
    """Pages anyone may fetch without a session (login, stylesheet, autoconfig, ACME)."""
    return path == "/favicon.ico" or path.startswith(PUBLIC_PREFIXES)


def set_cookie(
    response: web.StreamResponse,
    request: web.Request,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    """HttpOnly, SameSite=Strict, and Secure when the request came over TLS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        path="/",
    )


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request for the status page."""
    ctx_of(request).requests_total += 1
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """CSP (scripts from /static only), no framing, no sniffing (a handler may set its own).

    An ``on_response_prepare`` signal, not a middleware: a streamed download
    (``/part``, ``/raw``) sends its headers inside the handler, before any
    middleware sees the response; the signal runs for every response, just
    before its headers go out.
    """
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the session; send strangers to the login page; check CSRF on POSTs."""
    ctx = ctx_of(request)
    path = request.path
    if request.method == "POST":
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != request.host:
            return error_page(request, 403, text(request, "other_site"))
    if is_public(path):
        return await handler(request)
    session = ctx.sessions.get(request.cookies.get(COOKIE))
    if session is None and request.method == "POST" and path == "/send":
        # nothing typed is lost: the compose form of an expired session becomes a
        # draft of its user (the handler checks the session's CSRF token first)
        ended = ctx.sessions.ended(request.cookies.get(COOKIE))
        if ended is not None:
            request[SESSION] = ended
            request[EXPIRED] = True
            return await handler(request)
    if session is None:
        # A cookie the server no longer knows: the session expired (or the server restarted).
        expired = COOKIE in request.cookies
        if request.method == "GET":
            raise web.HTTPSeeOther("/login?expired=1" if expired else "/login")
        return error_page(request, 403, text(request, "session_expired_lost"))
    request[SESSION] = session
    if request.method == "POST" and not path.startswith(MULTIPART_CHECKED):
        form = await form_of(request)
        token = form.get("_csrf")
        if not isinstance(token, str) or not session.csrf_ok(token):
            log.warning("webmail: CSRF token missing or wrong for %s on %s", session.address, path)
            return error_page(request, 403, text(request, "csrf_missing"))
    return await handler(request)


async def login_form(request: web.Request) -> web.StreamResponse:
    """GET /login: the form, with a fresh pre-login CSRF cookie."""
    message = ""
    if request.query.get("kept") == "1":
        message = text(request, "session_expired_kept")
    elif request.query.get("expired") == "1":
        message = text(request, "session_expired")
    return _login_page(request, message)


def _login_page(
    request: web.Request, error: str, status: int = 200, address: str = ""
) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", status=status, login_csrf=token, error=error, address=address
    )
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /login: check the password behind the shared throttle, start a session."""
    ctx = ctx_of(request)
    form = await form_of(request)
    address = str(form.get("address", "")).strip().lower()
    password = str(form.get("password", ""))
    if not same_token(str(form.get("_csrf", "")), request.cookies.get(LOGIN_COOKIE)):
        return _login_page(request, text(request, "login_form_expired"), 403, address)
    if not address or not password:
        return _login_page(request, text(request, "login_needs_both"), 400, address)
    ip = request.remote or "unknown"
    try:
        attempt = await ctx.throttle.acquire(ip, address)
    except Locked as locked:
        return _login_page(
            request,
            text(request, "login_locked", seconds=int(locked.seconds_left) + 1),
            429,
            address,
        )
    with attempt:
        user = await check_password(ctx.users, address, password)
        if user is None:
            await attempt.failed()
            return _login_page(request, text(request, "login_wrong"), 401, address)
        attempt.succeeded()
    ctx.logins_total += 1
    session = ctx.sessions.create(user.address)
    log.info("webmail login: %s from %s", user.address, ip)
    kept = ctx.restores.pop(user.address, None)
    response = web.HTTPSeeOther("/mail" if kept is None else f"/compose?draft={kept}&restored=1")
    set_cookie(response, request, COOKIE, session.token)
    response.del_cookie(LOGIN_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /logout: forget the session and its cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        ctx_of(request).sessions.drop(token)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response
