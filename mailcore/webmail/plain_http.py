"""Port 80: what plain HTTP may carry, so that no password crosses the internet in clear.

With HTTPS on, port 80 answers the ACME HTTP-01 challenge and Thunderbird's
autoconfig (no secret in either), and sends everything else to
``https://<mail.hostname>[:port]``: the configured name, never the request's
Host header (a forged Host would make this an open redirector). With
``webmail.plain_http = "lan"`` the office's own networks also get the webmail
itself on port 80.

With HTTPS off, the webmail is on port 80, but only the office's networks may
see or post the login form; anyone else gets a page saying logins need HTTPS
and what the admin should do.

"The office's networks" are the login throttle's (``AuthThrottle.office``,
built by the composition root from ``security.office_networks`` or the
detected LAN, plus the office's public address): one answer to "is this
client the office's", never a guess from the address ("private" includes a
hotel's Wi-Fi). Loopback is the office only when those networks include it,
as for the throttle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from mailcore.acme.http_challenge import CHALLENGE_PREFIX
from mailcore.webmail.auth import Handler, is_public
from mailcore.webmail.context import ctx_of, render
from mailcore.webmail.wording import say

# Thunderbird's autoconfig holds no secret and is fetched over HTTP first.
THUNDERBIRD_PATHS = ("/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml")
HSTS = "max-age=31536000"
ResponseHook = Callable[[web.Request, web.StreamResponse], Awaitable[None]]


def _from_office(request: web.Request) -> bool:
    return (request.remote or "") in ctx_of(request).throttle.office


def _always_plain(request: web.Request) -> bool:
    """What port 80 answers to anyone: the ACME challenge and Thunderbird's autoconfig."""
    path = request.path
    if path.startswith(CHALLENGE_PREFIX):
        return True
    return request.method in ("GET", "HEAD") and path in THUNDERBIRD_PATHS


def redirect_to_https(base: str, *, lan: bool) -> Middleware:
    """The port-80 guard when HTTPS is on.

    Args:
        base: ``https://<configured host name>[:external port]``.
        lan: ``webmail.plain_http == "lan"``: office clients get the webmail here.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _always_plain(request) or (lan and _from_office(request)):
            return await handler(request)
        location = base + request.path_qs
        if request.method in ("GET", "HEAD"):
            raise web.HTTPMovedPermanently(location)
        # 308 keeps the method and body: Outlook's autodiscover POST is re-sent over HTTPS
        raise web.HTTPPermanentRedirect(location)

    return guard


def office_only_login(https_port: int) -> Middleware:
    """The port-80 guard when HTTPS is off: no login form for a non-office client.

    Args:
        https_port: the external port the admin would forward for HTTPS (advice).
    """

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        open_to_all = path != "/login" and is_public(path)
        if open_to_all or _from_office(request):
            return await handler(request)
        config = ctx_of(request).config
        language = config.language
        return render(
            request,
            "https_needed.html",
            status=403,
            message=say(language, "login_needs_https"),
            advice=say(
                language, "login_needs_https_admin", port=https_port, hostname=config.mail.hostname
            ),
        )

    return guard


def hsts_header(trusted: Callable[[], bool]) -> ResponseHook:
    """An ``on_response_prepare`` hook adding HSTS while ``trusted()`` is true.

    Only with a certificate browsers trust: HSTS forbids clicking through a
    certificate warning, so with a self-signed one staff could never log in.
    """

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        if trusted():
            response.headers["Strict-Transport-Security"] = HSTS

    return add
