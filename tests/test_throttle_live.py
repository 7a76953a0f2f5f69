"""The login throttle under parallel attack, on real servers on loopback (issue 12, 1-2).

Each test sends its wrong logins all at once, so a throttle that counts only
recorded failures (the old one) lets every guess through; the fake clock then
lets a 900 s lock pass without waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from mailcore.delivery import MaildirDelivery
from mailcore.imap.server import ImapService, build_imap_service
from mailcore.office_networks import OfficeNetworks
from mailcore.smtp.service import SmtpService, build_smtp_services
from mailcore.throttle import AuthThrottle
from mailcore.webmail.sessions import LOGIN_COOKIE
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, make_users
from tests.smtp_support import SMTP
from tests.throttle_support import (
    CROWD,
    FakeClock,
    all_at_once,
    imap_login,
    imap_open,
    imap_send_login,
    imap_verdict,
    open_many,
    raise_fd_limit,
    smtp_open,
    smtp_send_auth,
    smtp_verdict,
)
from tests.tls_support import keeper_context
from tests.webmail_support import ALICE, ALICE_PW, WEBMAIL, csrf_of, running_stack

FAILED, REFUSED, OK = "NO [AUTHENTICATIONFAILED]", "NO [UNAVAILABLE]", "OK"
LOCK = 900.0
# another client address; over STARTTLS, as plaintext login is for 127.0.0.1 at most
STRANGER = "127.0.0.2"


def _kind(verdict: str) -> str:
    return next(k for k in (FAILED, REFUSED, OK) if verdict.startswith(k))


@pytest.fixture
async def imap(tmp_path: Path) -> AsyncIterator[tuple[ImapService, FakeClock, Config]]:
    """IMAP on loopback with the default limits; 127.0.0.1 is the office's address."""
    raise_fd_limit(2048)
    config = make_config(tmp_path, IMAP, CROWD, {"security": {"lock_seconds": LOCK}}).config
    clock = FakeClock()
    throttle = AuthThrottle(config.security, clock=clock, office=OfficeNetworks(["127.0.0.1"]))
    paths = DataPaths.from_config(config)
    service = build_imap_service(
        config, paths, make_users(config), throttle, tls=keeper_context(config, paths)
    )
    await service.start()
    try:
        yield service, clock, config
    finally:
        await service.stop()


async def test_imap_300_parallel_guesses_then_right_password_refused_until_window(
    tmp_path: Path,
) -> None:
    """299 wrong + the right one last, all in flight at once: at most max_failures are
    checked, the right one is refused, and accepted once the lock has passed."""
    raise_fd_limit(2048)
    config = make_config(tmp_path, IMAP, CROWD, {"security": {"lock_seconds": LOCK}}).config
    clock = FakeClock()
    throttle = AuthThrottle(config.security, clock=clock)  # no office: 127.0.0.1 is a stranger
    paths = DataPaths.from_config(config)
    service = build_imap_service(
        config, paths, make_users(config), throttle, tls=keeper_context(config, paths)
    )
    await service.start()
    try:
        opened = await open_many(lambda: imap_open(service.port), 300)
        logins = [(USER, f"guess {i}") for i in range(299)] + [(USER, PASSWORD)]
        verdicts = await all_at_once(opened, imap_send_login, imap_verdict, logins)
        kinds = [_kind(v) for v in verdicts]
        assert kinds[-1] == REFUSED, verdicts[-1]  # the right password, sent last
        assert kinds.count(FAILED) <= config.security.max_failures
        assert kinds.count(REFUSED) >= 300 - config.security.max_failures
        assert _kind(await imap_login(service.port, USER, PASSWORD)) == REFUSED
        clock.now += LOCK + 1
        assert _kind(await imap_login(service.port, USER, PASSWORD)) == OK
    finally:
        await service.stop()


async def test_imap_spray_of_50_users_is_capped(
    imap: tuple[ImapService, FakeClock, Config],
) -> None:
    """One address trying 50 users gets max_failures_per_address checks, then none,
    not even for a real user with the right password."""
    service, _, config = imap
    cap = config.security.max_failures_per_address
    kinds = []
    for i in range(50):  # one after the other: a spray needs no parallelism to work
        verdict = await imap_login(
            service.port, f"user{i}@example.be", "Summer2024!", STRANGER, True
        )
        kinds.append(_kind(verdict))
    assert kinds.count(FAILED) == cap and kinds.count(REFUSED) == 50 - cap
    verdict = await imap_login(service.port, USER, PASSWORD, STRANGER, True)
    assert _kind(verdict) == REFUSED


async def test_office_user_logs_in_during_attacks(
    imap: tuple[ImapService, FakeClock, Config],
) -> None:
    """Alice on the office address logs in while a stranger hammers and sprays her
    account, and after a machine behind the office address guessed her password
    more than max_failures times."""
    service, _, config = imap
    opened = await open_many(lambda: imap_open(service.port, STRANGER, True), 40)
    logins = [(USER, f"guess {i}") for i in range(20)] + [
        (f"user{i}@example.be", "x") for i in range(20)
    ]
    verdicts = await all_at_once(opened, imap_send_login, imap_verdict, logins)
    assert {_kind(v) for v in verdicts} == {FAILED, REFUSED}
    assert _kind(await imap_login(service.port, USER, PASSWORD)) == OK
    for i in range(2 * config.security.max_failures):  # a guesser inside the office
        assert _kind(await imap_login(service.port, USER, f"inside {i}")) == FAILED
    assert _kind(await imap_login(service.port, USER, PASSWORD)) == OK


async def test_submission_40_parallel_guesses(tmp_path: Path) -> None:
    """SMTP AUTH on submission: the right password sent last among 40 is refused (454)."""
    config = make_config(
        tmp_path,
        SMTP,
        CROWD,
        {"security": {"lock_seconds": LOCK, "plaintext_auth_on_loopback": True}},
    ).config
    paths = DataPaths.from_config(config)
    users = make_users(config)
    user, password = USER, PASSWORD
    clock = FakeClock()
    throttle = AuthThrottle(config.security, clock=clock)
    delivery = MaildirDelivery(paths)
    services = build_smtp_services(
        config, paths, users, delivery, None, throttle, tls=keeper_context(config, paths)
    )
    submission = next(s for s in services if s.name == "submission")
    assert isinstance(submission, SmtpService)
    await submission.start()
    try:
        opened = await open_many(lambda: smtp_open(submission.port), 40)
        logins = [(user, f"guess {i}") for i in range(39)] + [(user, password)]
        verdicts = await all_at_once(opened, smtp_send_auth, smtp_verdict, logins)
        codes = [v[:3] for v in verdicts]
        assert codes[-1] == "454", verdicts[-1]
        assert codes.count("535") <= config.security.max_failures
        assert set(codes) == {"535", "454"}
        clock.now += LOCK + 1
        conn = await smtp_open(submission.port)
        smtp_send_auth(conn, user, password)
        assert (await smtp_verdict(conn))[:3] == "235"
    finally:
        await submission.stop()
        await delivery.aclose()


async def test_webmail_60_parallel_guesses(tmp_path: Path) -> None:
    """The webmail login form: the right password posted last among 60 is refused (429)."""
    config = make_config(tmp_path, WEBMAIL, CROWD, {"security": {"lock_seconds": LOCK}}).config
    clock = FakeClock()
    throttle = AuthThrottle(config.security, clock=clock)
    async with (
        running_stack(tmp_path, config, throttle=throttle) as stack,
        # no cookie jar: each post carries the one token, whatever the answers set
        aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(), connector=aiohttp.TCPConnector(ssl=False)
        ) as http,
    ):
        async with http.get(stack.url + "/login") as page:
            token = csrf_of(await page.text())

        async def post(password: str) -> int:
            async with http.post(
                stack.url + "/login",
                data={"_csrf": token, "address": ALICE, "password": password},
                headers={"Cookie": f"{LOGIN_COOKIE}={token}"},
                allow_redirects=False,
            ) as resp:
                await resp.read()
                return resp.status

        statuses = await asyncio.gather(*(post(f"guess {i}") for i in range(59)), post(ALICE_PW))
        assert statuses[-1] == 429
        assert statuses.count(401) <= config.security.max_failures
        assert set(statuses) == {401, 429}
        clock.now += LOCK + 1
        assert await post(ALICE_PW) == 303
