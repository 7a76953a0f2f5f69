"""Hypothesis: the POP3 parser, framing and state machine never crash or hang."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.pop3 import wire
from mailcore.pop3.context import Pop3Settings
from mailcore.pop3.maildrop import Maildrop, SizeCache, uid_for
from mailcore.users import UserStore
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths
from tests.config_factory import make_config
from tests.pop3_support import (
    ALICE,
    ALICE_PW,
    POP3,
    inbox,
    make_users,
    put_message,
    settings_for,
    transcript,
)

VERBS = [
    "USER",
    "PASS",
    "APOP",
    "AUTH",
    "STLS",
    "CAPA",
    "STAT",
    "LIST",
    "UIDL",
    "RETR",
    "TOP",
    "DELE",
    "RSET",
    "NOOP",
    "QUIT",
    "XTND",
    "",
    "retr",
    "list",
]
ARGS = st.one_of(
    st.just(""),
    st.integers(-3, 12).map(str),
    st.sampled_from(["PLAIN", "=", "*", "1 2", "1 99999999999", ALICE, ALICE_PW, "AGFsaWNl"]),
    st.text(max_size=30).map(lambda t: t.replace("\r", "").replace("\n", "")),
)
LINE = st.one_of(
    st.tuples(st.sampled_from(VERBS), ARGS).map(lambda va: f"{va[0]} {va[1]}".encode()),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"")),
    st.just(b"X" * 2000),
)


@given(st.binary(max_size=300))
def test_parse_command_only_raises_wire_error(line: bytes) -> None:
    """Any bytes parse to a Command or raise WireError with a message."""
    try:
        cmd = wire.parse_command(line)
    except wire.WireError as exc:
        assert str(exc)
    else:
        assert cmd.verb.isupper() and len(cmd.verb) <= 4


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))))
def test_stuffing_round_trips(lines: list[bytes]) -> None:
    """unstuff(multiline(...)) gives the lines back; no body line is a lone '.'."""
    body = wire.multiline(b"+OK\r\n", lines)[len(b"+OK\r\n") :]
    assert wire.unstuff(body) == lines
    assert b"\r\n.\r\n" not in b"\r\n" + body[:-3]


@settings(deadline=None)  # file I/O on a shared machine: no timing assertion
@given(st.binary(max_size=400))
def test_size_matches_retr(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    """LIST size == octets RETR sends before stuffing, for any file content."""
    root = tmp_path_factory.mktemp("md")
    (root / "new").mkdir()
    put_message(root, "1.M1.h", data)
    drop = Maildrop.open(root, SizeCache())
    try:
        (msg,) = drop.messages
        sent = b"".join(drop.chunks(msg))
        assert sum(len(line) + 2 for line in wire.unstuff(sent + b".\r\n")) == msg.size
        assert not sent or sent.endswith(b"\r\n")
    finally:
        drop.close()


@given(st.text(min_size=1, max_size=100))
def test_uidl_always_valid(name: str) -> None:
    """UIDLs are 1-70 printable ASCII characters whatever the file name."""
    uid = uid_for(name)
    assert 1 <= len(uid) <= 70 and all(0x21 <= ord(c) <= 0x7E for c in uid)


@pytest.fixture
def fuzz_env(tmp_path: Path) -> tuple[Config, DataPaths, UserStore]:
    """Alice (POP3) with loopback plaintext allowed."""
    setup = make_config(tmp_path, POP3)
    config, paths = setup.config, setup.paths
    config.security.plaintext_auth_on_loopback = True
    config.security.max_failures = 1000
    return config, paths, make_users(config, paths)


@settings(
    max_examples=int(os.environ.get("PMEMAIL_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(login=st.booleans(), lines=st.lists(LINE, max_size=25))
def test_random_sessions_never_crash(
    fuzz_env: tuple[Config, DataPaths, UserStore], login: bool, lines: list[bytes]
) -> None:
    """Random command sequences: every reply is +OK/-ERR framed, no internal error, no hang."""
    config, paths, users = fuzz_env
    root = inbox(paths)
    shutil.rmtree(root)
    root = inbox(paths)
    put_message(root, "1.M1.h", b"Subject: a\n\n.x\n")
    put_message(root, "2.M2.h", b"Subject: b\r\n\r\nbody")
    s: Pop3Settings = settings_for(config, paths, users)
    prefix = f"USER {ALICE}\r\nPASS {ALICE_PW}\r\n".encode() if login else b""
    client = prefix + b"".join(line + b"\r\n" for line in lines)
    out = asyncio.run(asyncio.wait_for(transcript(s, client), 10))
    assert out.startswith(b"+OK ready\r\n")
    assert b"internal server error" not in out
    assert out.endswith(b"\r\n")
