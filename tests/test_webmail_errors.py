"""Every failure is a friendly HTML page with one clear sentence, never a stack trace."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from mailcore.webmail.context import CTX
from mailcore.webmail.errors import friendly_errors
from mailcore.webmail.sessions import COOKIE
from tests.config_factory import make_config
from tests.webmail_support import (
    ALICE,
    ALICE_PW,
    BOB,
    WEBMAIL,
    client,
    csrf_of,
    login,
    running_stack,
)

pytestmark = pytest.mark.timeout(60)


async def _friendly(resp: aiohttp.ClientResponse, status: int, sentence: str) -> str:
    """Assert an HTML error page with ``status`` saying ``sentence``; the page."""
    text = await resp.text()
    assert resp.status == status, text[:300]
    assert resp.content_type == "text/html"
    assert "<!doctype html>" in text and 'role="alert"' in text
    assert sentence in text, text
    assert "Traceback" not in text and "aiohttp" not in text
    return text


async def test_404_405_413_and_csrf_pages(tmp_path: Path) -> None:
    """Unknown page, wrong method, too-large form, missing token: each says what happened."""
    async with running_stack(tmp_path) as stack, client() as http:
        page = await (await login(http, stack.url, ALICE, ALICE_PW)).text()
        token = csrf_of(page)
        async with http.get(stack.url + "/no/such/page") as r:
            await _friendly(r, 404, "There is no page at this address.")
        async with http.get(stack.url + "/static/missing.css") as r:
            await _friendly(r, 404, "There is no page at this address.")
        async with http.get(stack.url + "/send") as r:
            await _friendly(r, 405, "This page cannot be used that way")
            assert "POST" in r.headers["Allow"]
        big = io.BytesIO(f"_csrf={token}&f=INBOX&op=read&pad=".encode() + b"x" * (5 << 20))
        async with http.post(
            stack.url + "/action",
            data=big,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as r:
            await _friendly(r, 413, "larger than this server accepts")
        async with http.post(stack.url + "/action", data={"f": "INBOX", "op": "read"}) as r:
            await _friendly(r, 403, "missing its security token")
        async with http.get(stack.url + "/msg?f=INBOX&uid=42") as r:
            text = await _friendly(r, 404, "This message no longer exists.")
            assert 'href="/mail"' in text


async def test_upload_too_large_keeps_the_form(tmp_path: Path) -> None:
    """An attachment over ``mail.max_message_size``: 413 and the form with what was typed."""
    config = make_config(tmp_path, WEBMAIL, {"mail": {"max_message_size": 64 * 1024}}).config
    async with running_stack(tmp_path, config) as stack, client() as http:
        await login(http, stack.url, ALICE, ALICE_PW)
        async with http.get(stack.url + "/compose") as r:
            token = csrf_of(await r.text())
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("_csrf", token)
        form.add_field("to", BOB)
        form.add_field("subject", "The big plan")
        form.add_field(
            "attachment",
            b"\0" * (256 * 1024),
            filename="plan.bin",
            content_type="application/octet-stream",
        )
        async with http.post(stack.url + "/send", data=form) as r:
            text = await _friendly(r, 413, "this server accepts messages up to 64 KB")
            assert 'value="The big plan"' in text
        assert not list((stack.paths.root / "spool").glob("webmail-*"))


async def test_session_expired_pages(tmp_path: Path) -> None:
    """A forgotten session: GET goes to the login page saying so, POST explains it."""
    async with running_stack(tmp_path) as stack, client() as http:
        page = await (await login(http, stack.url, ALICE, ALICE_PW)).text()
        token = csrf_of(page)
        cookie = next(c for c in http.cookie_jar if c.key == COOKIE)
        stack.webmail.ctx.sessions.drop(cookie.value)
        async with http.get(stack.url + "/mail") as r:
            text = await r.text()
            assert str(r.url).endswith("/login?expired=1")
            assert "Your session has expired; please log in again." in text
        async with http.post(
            stack.url + "/action", data={"_csrf": token, "f": "INBOX", "op": "read"}
        ) as r:
            text = await _friendly(r, 403, "Your session has expired")
            assert 'href="/login"' in text


async def test_a_crash_is_a_page_not_a_trace(tmp_path: Path) -> None:
    """An unexpected exception in a handler becomes the 500 page (and is logged)."""

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("internal detail that must not leak")

    async with running_stack(tmp_path) as stack:
        app = web.Application(middlewares=[friendly_errors])
        app[CTX] = stack.webmail.ctx
        app.router.add_get("/boom", boom)
        async with (
            TestServer(app, host="127.0.0.1", port=0) as server,
            aiohttp.ClientSession() as http,
            http.get(server.make_url("/boom")) as r,
        ):
            text = await _friendly(r, 500, "Something went wrong on the server")
            assert "internal detail" not in text


async def test_non_utf8_form_bytes_get_a_400_page(tmp_path: Path) -> None:
    """A raw 0xfc byte in a form (a Latin-1 client) gave HTTP 500; now a 400 page."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with running_stack(tmp_path) as stack, client() as http:
        async with http.get(stack.url + "/login") as page:
            token = csrf_of(await page.text())
        body = f"_csrf={token}&address=al\xfcce@example.be&password=x".encode("latin-1")
        async with http.post(stack.url + "/login", data=body, headers=form) as r:
            await _friendly(r, 400, "The request could not be understood")
        token = csrf_of(await (await login(http, stack.url, ALICE, ALICE_PW)).text())
        body = f"_csrf={token}&name=D\xfcsseldorf".encode("latin-1")
        async with http.post(stack.url + "/folders", data=body, headers=form) as r:
            await _friendly(r, 400, "The request could not be understood")
