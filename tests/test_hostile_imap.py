"""IMAP fed commands from its own grammar, slightly wrong, in every state.

A real server on loopback (tests/imap_support.py). Each example logs in or
not, selects INBOX or not, then sends a few commands from
tests/fuzz_grammar.py (literals, sequence sets past 2^32, sections, search
keys, IDLE ... DONE). Every command must get its tagged OK/NO/BAD, never
"internal error"; the connection still answers NOOP; nothing is logged as an
error or with a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.config_factory import make_config
from tests.fuzz_grammar import IMAP_COMMAND
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread, sample_message
from tests.test_imap_session import Wire

EXAMPLES = int(os.environ.get("PMEMAIL_FUZZ_EXAMPLES", "400"))
TAGGED = re.compile(rb"^(t\d+) (OK|NO|BAD)\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    # Fuzzed AUTHENTICATE lines are failed logins: the throttle (tested on its own)
    # must not lock the fuzzer out of the states it explores.
    no_lockout = {"security": {"max_failures": 100000, "max_failures_per_address": 100000}}
    config = make_config(tmp_path_factory.mktemp("fuzz"), IMAP, no_lockout).config
    srv = ServerThread(config).start()
    yield srv
    srv.stop()


def _refill(srv: ServerThread) -> None:
    """Two messages in INBOX again (MOVE and EXPUNGE examples take them away)."""
    inbox = srv.paths.maildirs / "example.be" / USER.split("@")[0] / "new"
    if len(list(inbox.parent.glob("*/*"))) < 2:
        inbox.mkdir(parents=True, exist_ok=True)
        for n in range(2):
            (inbox / f"fuzz{os.getpid()}.{n}.{os.urandom(4).hex()}").write_bytes(
                sample_message(f"m{n}")
            )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    state=st.sampled_from(["not authenticated", "authenticated", "selected"]),
    commands=st.lists(IMAP_COMMAND, min_size=1, max_size=5),
)
def test_grammar_fuzz(
    server: ServerThread, caplog: pytest.LogCaptureFixture, state: str, commands: list[str]
) -> None:
    """Tagged OK/NO/BAD for each command, no internal error, NOOP still answered."""
    caplog.set_level(logging.INFO)
    _refill(server)
    with Wire(server.port) as w:
        if state != "not authenticated":
            assert b" OK " in w.ask(f'a LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"a")[-1]
        if state == "selected":
            w.ask(b"b SELECT INBOX\r\n", b"b")
        for n, command in enumerate(commands):
            tag = f"t{n}".encode()
            lines = w.ask(tag + b" " + command.encode("utf-8", "surrogatepass") + b"\r\n", tag)
            assert TAGGED.match(lines[-1]), (command, lines[-1])
            assert not any(b"internal error" in line for line in lines), (command, lines)
        assert w.ask(b"z NOOP\r\n", b"z")[-1].startswith(b"z OK"), commands
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]
