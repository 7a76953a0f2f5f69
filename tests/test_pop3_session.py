"""Byte-exact transcripts of the POP3 state machine over an in-memory connection."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from mailcore.pop3.context import Pop3Settings
from mailcore.pop3.maildrop import Maildrop, SizeCache
from mailcore.pop3.session import Pop3Session
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
    MemoryConnection,
    inbox,
    make_users,
    put_message,
    settings_for,
    transcript,
)

MSG1 = b"From: a@example.org\nSubject: one\n\nline1\n.dot line\n..two dots\nlast\n"
WIRE1 = MSG1.replace(b"\n", b"\r\n")
MSG2 = b"Subject: two\r\n\r\nbody"  # CRLF on disk, no final newline
WIRE2 = MSG2 + b"\r\n"
NAME1 = "1700000001.M1P1Q1.host"
NAME2 = "1700000002.M2P1Q1.host"
CAPA_PLAIN = (
    b"+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
    b"PIPELINING\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION pmemail\r\n.\r\n"
)


@pytest.fixture
def env(tmp_path: Path) -> tuple[Config, DataPaths, UserStore]:
    """Loopback plaintext allowed (no TLS in memory), two messages for alice."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    config.security.plaintext_auth_on_loopback = True
    users = make_users(config, paths)
    root = inbox(paths)
    put_message(root, NAME1, MSG1, mtime=1_700_000_001)
    put_message(root, NAME2 + ":2,S", MSG2, sub="cur", mtime=1_700_000_002)
    return config, paths, users


@pytest.fixture
def settings(env: tuple[Config, DataPaths, UserStore]) -> Pop3Settings:
    """Settings for the env."""
    config, paths, users = env
    return settings_for(config, paths, users)


LOGIN = f"USER {ALICE}\r\nPASS {ALICE_PW}\r\n".encode()
TOTAL = len(WIRE1) + len(WIRE2)
LOGGED_IN = (
    b"+OK ready\r\n+OK send your password\r\n"
    + f"+OK maildrop has 2 messages ({TOTAL} octets)\r\n".encode()
)


async def test_full_session_byte_exact(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """CAPA, login, STAT/LIST/UIDL/TOP/RETR, DELE/RSET and QUIT, byte for byte."""
    client = (
        b"CAPA\r\n"
        + LOGIN
        + (
            b"STAT\r\nLIST\r\nUIDL\r\nUIDL 2\r\nLIST 3\r\nTOP 1 1\r\nRETR 1\r\nDELE 1\r\nSTAT\r\n"
            b"RETR 1\r\nLIST\r\nRSET\r\nDELE 2\r\nNOOP\r\nQUIT\r\n"
        )
    )
    out = await transcript(settings, client)
    s1, s2 = len(WIRE1), len(WIRE2)
    expected = (
        b"+OK ready\r\n"
        + CAPA_PLAIN
        + LOGGED_IN[len(b"+OK ready\r\n") :]
        + f"+OK 2 {TOTAL}\r\n".encode()
        + f"+OK 2 messages ({TOTAL} octets)\r\n1 {s1}\r\n2 {s2}\r\n.\r\n".encode()
        + f"+OK 2 messages ({TOTAL} octets)\r\n1 {NAME1}\r\n2 {NAME2}\r\n.\r\n".encode()
        + f"+OK 2 {NAME2}\r\n".encode()
        + b"-ERR no such message, only 2 in maildrop\r\n"
        + b"+OK top of message follows\r\nFrom: a@example.org\r\nSubject: one\r\n\r\nline1\r\n"
        b".\r\n"
        + f"+OK {s1} octets\r\n".encode()
        + b"From: a@example.org\r\nSubject: one\r\n\r\nline1\r\n..dot line\r\n...two dots\r\n"
        b"last\r\n.\r\n"
        + b"+OK message 1 deleted\r\n"
        + f"+OK 1 {s2}\r\n".encode()
        + b"-ERR message 1 already deleted\r\n"
        + f"+OK 1 messages ({s2} octets)\r\n2 {s2}\r\n.\r\n".encode()
        + f"+OK maildrop has 2 messages ({TOTAL} octets)\r\n".encode()
        + b"+OK message 2 deleted\r\n+OK\r\n+OK bye (1 messages left)\r\n"
    )
    assert out == expected
    root = inbox(env[1])
    assert sorted(p.name for p in (root / "cur").iterdir()) == [NAME1 + ":2,"]
    assert not list((root / "new").iterdir())


async def test_hangup_without_quit_deletes_nothing(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """No QUIT, no UPDATE state: DELE marks are forgotten (RFC 1939 section 6)."""
    await transcript(settings, LOGIN + b"DELE 1\r\nDELE 2\r\n")
    assert len(list((inbox(env[1]) / "cur").iterdir())) == 2


async def test_bad_input_gets_err_with_reason(settings: Pop3Settings) -> None:
    """Unknown verbs, wrong state, missing or bad args, long lines: -ERR, session goes on."""
    client = (
        b"STAT\r\nHELO x\r\nPASS x\r\nUSER\r\n\r\n" + b"A" * 5000 + b"\r\n"
        b"\xff\xfe\r\nAUTH CRAM-MD5\r\n"
        + LOGIN
        + b"USER x\r\nRETR\r\nRETR x\r\nRETR 99999999999\r\nTOP 1\r\nTOP 1 -1\r\n"
        b"DELE 0\r\nSTAT 1\r\nLIST 1 2\r\nSTLS\r\nQUIT\r\n"
    )
    out = await transcript(settings, client)
    assert out == (
        b"+OK ready\r\n"
        b"-ERR STAT is not valid before login\r\n"
        b"-ERR unknown command HELO\r\n"
        b"-ERR PASS must follow USER\r\n"
        b"-ERR usage: USER <address>\r\n"
        b"-ERR empty command\r\n"
        b"-ERR line too long (limit 1024 octets)\r\n"
        b"-ERR unknown command\r\n"
        b"-ERR unsupported mechanism CRAM-MD5; use PLAIN\r\n"
        + LOGGED_IN[len(b"+OK ready\r\n") :]
        + b"-ERR USER is not valid after login\r\n"
        b"-ERR usage: RETR <message number>\r\n"
        b"-ERR invalid message number 'x'\r\n"
        b"-ERR invalid message number '99999999999'\r\n"
        b"-ERR usage: TOP <message number> <lines>\r\n"
        b"-ERR invalid line count '-1'\r\n"
        b"-ERR no such message, only 2 in maildrop\r\n"
        b"-ERR STAT takes no argument\r\n"
        b"-ERR usage: LIST [message number]\r\n"
        b"-ERR STLS is not valid after login\r\n"
        b"+OK bye (2 messages left)\r\n"
    )


async def test_plaintext_refused_without_tls(tmp_path: Path) -> None:
    """Without STLS (and no loopback exception) USER, PASS and AUTH are refused; no USER cap."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    settings = settings_for(config, paths, make_users(config, paths))
    out = await transcript(settings, b"CAPA\r\nUSER a@example.be\r\nAUTH PLAIN\r\nSTLS\r\n")
    assert out == (
        b"+OK ready\r\n+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
        b"AUTH-RESP-CODE\r\nPIPELINING\r\nIMPLEMENTATION pmemail\r\n.\r\n"
        b"-ERR [AUTH] USER/PASS only after STLS\r\n"
        b"-ERR [AUTH] AUTH PLAIN only after STLS\r\n"
        b"-ERR STLS is not available on this server\r\n"
    )


@pytest.mark.parametrize("peer", ["192.168.2.3", "127.0.0.2"])
async def test_loopback_exception_is_loopback_only(settings: Pop3Settings, peer: str) -> None:
    """plaintext_auth_on_loopback opens plaintext neither to LAN clients nor to 127.0.0.2."""
    out = await transcript(settings, LOGIN, peer=peer)
    assert out == b"+OK ready\r\n" + b"-ERR [AUTH] USER/PASS only after STLS\r\n" * 2


async def test_loopback_exception_covers_ipv6_loopback(settings: Pop3Settings) -> None:
    """::1 is this machine too."""
    assert await transcript(settings, LOGIN, peer="::1") == LOGGED_IN


async def test_auth_plain_initial_response_continuation_and_cancel(settings: Pop3Settings) -> None:
    """AUTH PLAIN with an initial response, with a continuation, and cancelled with '*'."""
    token = base64.b64encode(f"\0{ALICE}\0{ALICE_PW}".encode()).decode()
    bad = base64.b64encode(b"\0only-two").decode()
    out = await transcript(
        settings,
        b"AUTH\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN\r\n"
        + bad.encode()
        + b"\r\nAUTH PLAIN !!\r\nAUTH PLAIN\r\n"
        + token.encode()
        + b"\r\nQUIT\r\n",
    )
    assert out == (
        b"+OK ready\r\n+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n"
        b"+ \r\n-ERR authentication cancelled\r\n"
        b"+ \r\n-ERR AUTH PLAIN response must be authzid NUL authcid NUL password\r\n"
        b"-ERR invalid base64 in AUTH PLAIN response\r\n"
        b"+ \r\n"
        + f"+OK maildrop has 2 messages ({TOTAL} octets)\r\n".encode()
        + b"+OK bye (2 messages left)\r\n"
    )
    out = await transcript(settings, f"AUTH PLAIN {token}\r\nSTAT\r\n".encode())
    assert (
        out == LOGGED_IN.replace(b"+OK send your password\r\n", b"") + f"+OK 2 {TOTAL}\r\n".encode()
    )


async def test_imap_user_refused(settings: Pop3Settings) -> None:
    """A user whose protocol is IMAP gets [AUTH] this account uses IMAP."""
    out = await transcript(settings, f"USER {BOB}\r\nPASS {BOB_PW}\r\n".encode())
    assert out == b"+OK ready\r\n+OK send your password\r\n-ERR [AUTH] this account uses IMAP\r\n"


async def test_wrong_password_throttled_then_locked(settings: Pop3Settings) -> None:
    """After max_failures (3) wrong passwords the pair is locked, even for the right one."""
    wrong = f"USER {ALICE}\r\nPASS nope\r\n".encode()
    out = await transcript(settings, wrong * 3 + LOGIN)
    bad = b"+OK send your password\r\n-ERR [AUTH] invalid user name or password\r\n"
    assert out.startswith(
        b"+OK ready\r\n" + bad * 3 + b"+OK send your password\r\n"
        b"-ERR [AUTH] too many failed logins for alice@example.be from "
        b"127.0.0.1; try again in "
    )
    # Another client address is not locked out by alice's storm elsewhere.
    settings.plaintext_on_loopback = True
    out = await transcript(settings, LOGIN, peer="::1")
    assert out == LOGGED_IN


async def test_maildrop_lock_refuses_second_session(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """While a session holds the maildrop, a second login gets [IN-USE]; after, it works."""
    holder = Maildrop.open(inbox(env[1]), SizeCache())
    try:
        out = await transcript(settings, LOGIN)
        assert out.endswith(b"-ERR [IN-USE] maildrop already locked by another session\r\n")
    finally:
        holder.close()
    assert await transcript(settings, LOGIN) == LOGGED_IN


async def test_snapshot_taken_at_login(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """Mail delivered during a session shows up only in the next session."""
    conn = MemoryConnection(LOGIN, eof=False)
    session = asyncio.create_task(Pop3Session(conn, settings).run())
    while b"maildrop has" not in conn.out:
        await asyncio.sleep(0.01)
    put_message(inbox(env[1]), "1700000003.M3P1Q1.host", b"Subject: three\n\nx\n")
    conn.reader.feed_data(b"STAT\r\nQUIT\r\n")
    conn.reader.feed_eof()
    await session
    assert conn.out.endswith(f"+OK 2 {TOTAL}\r\n+OK bye (2 messages left)\r\n".encode())
    out = await transcript(settings, LOGIN + b"STAT\r\n")
    assert out.endswith(f"+OK 3 {TOTAL + 21}\r\n".encode())


async def test_idle_client_is_logged_out(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """A silent client is disconnected after idle_timeout and the lock is released."""
    settings.idle_timeout = 0.1
    conn = MemoryConnection(LOGIN, eof=False)
    await Pop3Session(conn, settings).run()
    assert conn.out == LOGGED_IN + b"-ERR autologout: idle for too long\r\n"
    Maildrop.open(inbox(env[1]), SizeCache()).close()  # the lock was released


async def test_vanished_file_is_an_err_not_a_crash(
    settings: Pop3Settings, env: tuple[Config, DataPaths, UserStore]
) -> None:
    """A message removed behind the session's back gives -ERR on RETR."""
    conn = MemoryConnection(LOGIN, eof=False)
    session = asyncio.create_task(Pop3Session(conn, settings).run())
    while b"maildrop has" not in conn.out:
        await asyncio.sleep(0.01)
    (inbox(env[1]) / "cur" / (NAME2 + ":2,S")).unlink()
    conn.reader.feed_data(b"RETR 2\r\nRETR 1\r\nQUIT\r\n")
    conn.reader.feed_eof()
    await session
    tail = conn.out[len(LOGGED_IN) :]
    assert tail.startswith(
        b"-ERR [SYS/TEMP] message was removed by another program\r\n"
        + f"+OK {len(WIRE1)} octets\r\n".encode()
    )


@pytest.mark.parametrize(
    "client",
    [
        b"USER \xfc\xfc@example.be\r\nPASS x\r\nCAPA\r\n",
        b"USER alice@example.be\r\nPASS \xfc\xff\r\nCAPA\r\n",
        b"AUTH PLAIN " + base64.b64encode(b"\x00alice@example.be\x00\xfc") + b"\r\nCAPA\r\n",
    ],
    ids=["user", "pass", "auth_plain"],
)
async def test_non_utf8_credentials_are_a_wrong_login(
    settings: Pop3Settings, client: bytes
) -> None:
    """Non-UTF-8 USER used to reach SQLite as lone surrogates: internal error."""
    out = await transcript(settings, client)
    assert b"internal" not in out.lower()
    assert out.count(b"-ERR") == 1 and out.endswith(CAPA_PLAIN), out
