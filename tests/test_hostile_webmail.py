"""The webmail fed requests from its own URL and form grammar, logged in and not.

One stack on loopback (tests/webmail_support.py), one message in alice's
INBOX. Each batch of requests (paths from the route table and around it,
query and form fields the handlers read, with odd values; url-encoded, raw
Latin-1 and multipart bodies; the CSRF token right or wrong) must get a
response below 500, and nothing may be logged as an error or a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

from tests.fuzz_grammar import WEB_FIELDS, WEB_TARGET
from tests.webmail_support import ALICE, ALICE_PW, client, csrf_of, login, running_stack

pytestmark = pytest.mark.timeout(120)

Request = tuple[tuple[str, str], list[tuple[str, str]], str, bool]
REQUEST = st.tuples(
    WEB_TARGET,
    WEB_FIELDS,
    st.sampled_from(["urlencoded", "multipart", "latin1", "query"]),
    st.sampled_from([True, True, True, False]),  # the right CSRF token, mostly
)


def _batches(count: int) -> list[tuple[bool, list[Request]]]:
    """Request batches drawn up front (the stack needs this test's event loop)."""
    out: list[tuple[bool, list[Request]]] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None)
    @given(st.lists(REQUEST, min_size=1, max_size=5), st.sampled_from([True, True, False]))
    def draw(batch: list[Request], logged_in: bool) -> None:
        out.append((logged_in, batch))

    draw()
    return out


def _send_one(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.sendmail("carol@remote.example", [ALICE], b"Subject: fuzz\r\n\r\nbody\r\n")


async def _fire(
    http: aiohttp.ClientSession, base: str, token: str, request: Request
) -> aiohttp.ClientResponse:
    (method, path), fields, encoding, right_token = request
    fields = [("_csrf", token if right_token else "forged"), *fields]
    url = URL(base + path, encoded=True)
    kwargs: dict[str, object] = {"allow_redirects": False}
    if method in ("GET", "HEAD") or encoding == "query":
        url = URL(f"{base}{path}?{urlencode(fields)}", encoded=True)
    elif encoding == "multipart":
        form = aiohttp.FormData()
        for key, value in fields:
            form.add_field(key, value)
        kwargs["data"] = form
    else:
        text = urlencode(fields)
        body = (
            text.encode()
            if encoding == "urlencoded"
            else text.replace("%", "\xfc").encode("latin-1", "replace")
        )
        kwargs["data"] = body
        kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http.request(method, url, **kwargs) as resp:  # type: ignore[arg-type]
        await resp.read()
        return resp


async def test_grammar_fuzz(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every request answered below 500; no error or traceback logged."""
    caplog.set_level(logging.INFO)
    examples = int(os.environ.get("PMEMAIL_FUZZ_EXAMPLES", "250"))
    async with running_stack(tmp_path) as stack:
        await asyncio.to_thread(_send_one, stack.smtp_port)
        for logged_in, batch in _batches(examples):
            async with client() as http:
                token = "none"
                if logged_in:
                    token = csrf_of(await (await login(http, stack.url, ALICE, ALICE_PW)).text())
                for request in batch:
                    resp = await _fire(http, stack.url, token, request)
                    assert resp.status < 500, (request, resp.status)
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]
