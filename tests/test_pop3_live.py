"""The POP3 service on a loopback ephemeral port, driven by Python's poplib over STLS."""

from __future__ import annotations

import asyncio
import poplib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from mailcore.pop3 import Pop3Service, build_pop3_service
from mailcore.throttle import AuthThrottle
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config
from tests.pop3_support import (
    ALICE,
    ALICE_PW,
    BOB,
    BOB_PW,
    POP3,
    client_tls_context,
    inbox,
    make_users,
    put_message,
)
from tests.tls_support import keeper_context

T = TypeVar("T")
MSG = (
    b"From: carol@example.org\nTo: alice@example.be\nSubject: dots\n\nhello\n.\n.hidden\n..\nend\n"
)


class Env:
    """A running service and what it was built from."""

    def __init__(self, config: Config, paths: DataPaths, users: UserStore) -> None:
        self.config, self.paths, self.users = config, paths, users
        self.service: Pop3Service | None = None

    async def start(self) -> Pop3Service:
        """Build and start a fresh service (a "restart" when called again)."""
        self.service = build_pop3_service(
            self.config,
            self.paths,
            self.users,
            AuthThrottle(self.config.security),
            tls=keeper_context(self.config, self.paths),
        )
        await self.service.start()
        return self.service

    def client(self) -> poplib.POP3:
        """A poplib client that has done STLS (trusting the generated cert)."""
        assert self.service is not None
        pop = poplib.POP3("127.0.0.1", self.service.port, timeout=10)
        pop.stls(client_tls_context(self.paths))
        return pop

    def login(self) -> poplib.POP3:
        """STLS + USER/PASS as alice."""
        pop = self.client()
        pop.user(ALICE)
        pop.pass_(ALICE_PW)
        return pop


async def run(fn: Callable[..., T], *args: object) -> T:
    """Blocking poplib calls run in a thread while the server runs in the loop."""
    return await asyncio.to_thread(fn, *args)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    """A started service with three messages for alice."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    e = Env(config, paths, make_users(config, paths))
    root = inbox(paths)
    for i in range(3):
        put_message(
            root,
            f"17000000{i:02d}.M{i}P9Q{i}.host,S=1",
            MSG.replace(b"dots", b"m%d" % i),
            mtime=1_700_000_000 + i,
        )
    await e.start()
    yield e
    assert e.service is not None
    await e.service.stop()


async def test_stls_login_list_uidl_top_retr(env: Env) -> None:
    """STLS, USER/PASS, then STAT/LIST/UIDL/TOP/RETR see CRLF sizes and unstuffed lines."""

    def session() -> None:
        pop = env.client()
        caps = pop.capa()
        assert "USER" in caps and "SASL" in caps and "STLS" not in caps
        pop.user(ALICE)
        pop.pass_(ALICE_PW)
        wire_size = len(MSG.replace(b"dots", b"m0").replace(b"\n", b"\r\n"))
        assert pop.stat() == (3, 3 * wire_size)
        _, lines, _ = pop.list()
        assert lines == [b"%d %d" % (i, wire_size) for i in (1, 2, 3)]
        _, uids, _ = pop.uidl()
        assert uids == [b"%d 17000000%02d.M%dP9Q%d.host,S=1" % (i + 1, i, i, i) for i in range(3)]
        _, top, _ = pop.top(1, 1)
        assert top == [
            b"From: carol@example.org",
            b"To: alice@example.be",
            b"Subject: m0",
            b"",
            b"hello",
        ]
        _, body, octets = pop.retr(2)
        assert body == MSG.replace(b"dots", b"m1").rstrip(b"\n").split(b"\n")
        assert octets >= wire_size  # poplib counts the stuffed lines it read
        pop.quit()

    await run(session)


async def test_before_stls_no_user(env: Env) -> None:
    """Without STLS the server offers STLS and refuses USER (RFC 2595)."""

    def session() -> None:
        assert env.service is not None
        pop = poplib.POP3("127.0.0.1", env.service.port, timeout=10)
        caps = pop.capa()
        assert "STLS" in caps and "USER" not in caps
        with pytest.raises(poplib.error_proto, match=r"only after STLS"):
            pop.user(ALICE)
        pop.quit()

    await run(session)


async def test_dele_quit_removes_and_rset_undeletes(env: Env) -> None:
    """DELE + RSET keeps everything; DELE + QUIT removes; the next session sees the rest."""

    def session() -> None:
        pop = env.login()
        pop.dele(1)
        pop.rset()
        pop.dele(2)
        pop.quit()
        pop = env.login()
        _, uids, _ = pop.uidl()
        assert [u.split()[1][:12] for u in uids] == [b"1700000000.M", b"1700000002.M"]
        pop.quit()

    await run(session)
    assert len(list((inbox(env.paths) / "cur").iterdir())) == 2


async def test_lock_prevents_second_session(env: Env) -> None:
    """A second login while the first session is open gets [IN-USE]."""

    def session() -> None:
        first = env.login()
        second = env.client()
        second.user(ALICE)
        with pytest.raises(poplib.error_proto, match=r"IN-USE"):
            second.pass_(ALICE_PW)
        first.quit()
        second.user(ALICE)
        second.pass_(ALICE_PW)
        second.quit()

    await run(session)


async def test_uidls_stable_across_restart(env: Env) -> None:
    """UIDLs are the same after the service is stopped and started again."""

    def uidls() -> list[bytes]:
        pop = env.login()
        uids = pop.uidl()[1]
        pop.quit()
        return uids

    before = await run(uidls)
    assert env.service is not None
    await env.service.stop()
    await env.start()
    assert await run(uidls) == before


async def test_wrong_password_throttled_and_imap_user_refused(env: Env) -> None:
    """Wrong passwords lock the (ip, user) pair; an IMAP user is told to use IMAP."""

    def session() -> None:
        pop = env.client()
        for _ in range(env.config.security.max_failures):
            pop.user(ALICE)
            with pytest.raises(poplib.error_proto, match=r"\[AUTH\] invalid"):
                pop.pass_("wrong")
        pop.user(ALICE)
        with pytest.raises(poplib.error_proto, match=r"too many failed logins"):
            pop.pass_(ALICE_PW)
        pop.user(BOB)
        with pytest.raises(poplib.error_proto, match=r"this account uses IMAP"):
            pop.pass_(BOB_PW)
        pop.quit()

    await run(session)


async def test_status_and_port_in_use(env: Env) -> None:
    """status() is JSON-able; binding a taken port is a clear ServiceStartError."""
    from mailcore.interfaces import ServiceStartError

    assert env.service is not None
    st = env.service.status()
    assert st["port"] == env.service.port and st["stls"] is True
    env.config.ports.pop3.internal = env.service.port
    other = build_pop3_service(
        env.config,
        env.paths,
        env.users,
        AuthThrottle(env.config.security),
        tls=keeper_context(env.config, env.paths),
    )
    with pytest.raises(ServiceStartError, match=r"POP3 cannot listen on 127.0.0.1"):
        await other.start()


async def test_commands_pipelined_after_stls_are_refused(env: Env) -> None:
    """STLS followed by plaintext in the same packet is refused (no STARTTLS injection)."""
    assert env.service is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", env.service.port)
    try:
        assert (await reader.readline()).startswith(b"+OK")
        writer.write(b"STLS\r\nUSER alice@example.be\r\n")
        assert await reader.readline() == b"-ERR STLS must be the last command of a pipeline\r\n"
        assert await reader.readline() == b"-ERR [AUTH] USER/PASS only after STLS\r\n"
    finally:
        writer.close()
        await writer.wait_closed()


async def test_stop_ends_sessions_and_releases_lock(env: Env) -> None:
    """Stopping the service drops connected clients without committing their DELEs."""

    def login_and_delete() -> poplib.POP3:
        pop = env.login()
        pop.dele(1)
        return pop

    pop = await run(login_and_delete)
    assert env.service is not None
    await env.service.stop()
    with pytest.raises((poplib.error_proto, OSError)):
        await run(pop.stat)
    pop.close()
    await env.start()

    def count() -> int:
        p = env.login()
        n = p.stat()[0]
        p.quit()
        return n

    assert await run(count) == 3


async def test_delivered_message_appears_via_pop3(env: Env, tmp_path: Path) -> None:
    """End to end: MaildirDelivery writes into new/, the next POP3 session serves it."""
    from mailcore.delivery import MaildirDelivery

    spool = tmp_path / "spooled.eml"
    spool.write_bytes(b"From: dave@example.org\r\nSubject: via delivery\r\n\r\n.dot\r\n")
    delivery = MaildirDelivery(env.paths, fsync=False)
    try:
        await delivery.deliver(spool, [ALICE], headers=b"Return-Path: <dave@example.org>\r\n")
    finally:
        await delivery.aclose()

    def fetch_last() -> list[bytes]:
        pop = env.login()
        count = pop.stat()[0]
        lines = pop.retr(count)[1]
        pop.quit()
        return lines

    assert await run(fetch_last) == [
        b"Return-Path: <dave@example.org>",
        b"From: dave@example.org",
        b"Subject: via delivery",
        b"",
        b".dot",
    ]
