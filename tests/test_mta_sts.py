"""The MTA-STS policy over HTTPS, fetched as a sending server would: from mta-sts.<domain>."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme
from aiohttp.abc import AbstractResolver, ResolveResult

from pmemail.config.mail_policy import mta_sts_id, mta_sts_policy
from tests.config_factory import make_config
from tests.webmail_support import WEBMAIL, running_stack

pytestmark = pytest.mark.timeout(60)


class Loopback(AbstractResolver):
    """Every name is 127.0.0.1: the test's DNS for the HTTPS client."""

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> Any:
        result: ResolveResult = {
            "hostname": host,
            "host": "127.0.0.1",
            "port": port,
            "family": socket.AF_INET,
            "proto": 0,
            "flags": 0,
        }
        return [result]

    async def close(self) -> None:
        return None


async def test_policy_served_over_https_for_the_mta_sts_name(tmp_path: Path) -> None:
    """GET https://mta-sts.example.be/.well-known/mta-sts.txt: the policy, certificate checked."""
    ca = trustme.CA()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("mta-sts.example.be", "localhost").configure_cert(server)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    config = make_config(tmp_path, WEBMAIL).config
    async with (
        running_stack(tmp_path, config, tls=server) as stack,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=trusting, resolver=Loopback())
        ) as http,
    ):
        port = stack.url.rsplit(":", 1)[1].rstrip("/")
        url = f"https://mta-sts.example.be:{port}/.well-known/mta-sts.txt"
        async with http.get(url, allow_redirects=False) as r:
            assert r.status == 200
            assert r.content_type == "text/plain"
            body = await r.text()
        async with http.get(
            stack.http_url + "/.well-known/mta-sts.txt", allow_redirects=False
        ) as plain:
            assert plain.status in (301, 308)  # never over plain HTTP (RFC 8461 §3.3)
    assert body == mta_sts_policy(config)
    lines = body.split("\r\n")
    assert lines[:3] == ["version: STSv1", "mode: testing", f"mx: {config.mail.hostname}"]
    assert lines[3].startswith("max_age: ")


def test_id_changes_with_the_policy(tmp_path: Path) -> None:
    """The _mta-sts id follows the policy: a new mode or MX gives a new id."""
    testing = make_config(tmp_path).config
    enforce = make_config(tmp_path, {"dkim": {"mta_sts_mode": "enforce"}}).config
    assert mta_sts_id(testing) != mta_sts_id(enforce)
    assert mta_sts_id(testing) == mta_sts_id(make_config(tmp_path).config)
    assert mta_sts_id(testing).isalnum() and len(mta_sts_id(testing)) <= 32
