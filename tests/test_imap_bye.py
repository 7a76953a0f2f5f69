"""Nothing untagged after ``* BYE`` (issue 15, finding 5).

RFC 3501 6.1.3: LOGOUT answers ``* BYE`` and then its tagged OK; 7.1.5: after
BYE the server closes the connection. Updates another session left pending
for this one (EXPUNGE, FETCH FLAGS) must not be sent after the BYE: Dovecot
drops them (``test_imapdiff_sessions``), and so does pmemail.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.config_factory import make_config
from tests.imap_support import IMAP, PASSWORD, USER, ServerThread
from tests.test_imap_session import Wire

CLIENTS = 6
ROUNDS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server of its own: the stress test fills and empties INBOX."""
    srv = ServerThread(make_config(tmp_path_factory.mktemp("bye"), IMAP).config).start()
    yield srv
    srv.stop()


def _login(port: int) -> Wire:
    w = Wire(port)
    assert w.ask(f'l LOGIN {USER} "{PASSWORD}"\r\n'.encode(), b"l")[-1].startswith(b"l OK")
    assert w.ask(b"s SELECT INBOX\r\n", b"s")[-1].startswith(b"s OK")
    return w


def _append(w: Wire, subject: str) -> None:
    msg = f"From: a@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    line = b"p APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg)
    assert w.ask(line, b"p")[-1].startswith(b"p OK")


def _logout(w: Wire) -> list[bytes]:
    """LOGOUT's whole answer, up to the server closing the connection."""
    answer = w.ask(b"z LOGOUT\r\n", b"z")
    rest = w.f.read()  # EOF: nothing may follow the tagged OK either
    return answer + ([rest] if rest else [])


def _after_bye(lines: list[bytes]) -> list[bytes]:
    """What the server sent after ``* BYE`` (the lines before it are not judged)."""
    byes = [i for i, line in enumerate(lines) if line.startswith(b"* BYE ")]
    assert len(byes) == 1, lines
    return lines[byes[0] + 1 :]


def test_logout_drops_another_sessions_changes(server: ServerThread) -> None:
    """B expunges one message and flags another: A's LOGOUT is BYE then the tagged OK."""
    with _login(server.port) as b:
        for n in range(3):
            _append(b, f"pending {n}")
        with _login(server.port) as a:
            assert b.ask(b"f STORE 1 +FLAGS (\\Deleted)\r\n", b"f")[-1].startswith(b"f OK")
            assert b.ask(b"e EXPUNGE\r\n", b"e")[-1].startswith(b"e OK")
            assert b.ask(b"g STORE 1 +FLAGS (\\Flagged)\r\n", b"g")[-1].startswith(b"g OK")
            assert _logout(a) == [b"* BYE logging out\r\n", b"z OK LOGOUT completed\r\n"]
        assert b.ask(b"x STORE 1:* +FLAGS.SILENT (\\Deleted)\r\n", b"x")[-1].startswith(b"x OK")
        assert b.ask(b"y EXPUNGE\r\n", b"y")[-1].startswith(b"y OK")


def _client(port: int, n: int, transcripts: list[list[bytes]], errors: list[str]) -> None:
    """Append, flag and expunge in a loop, then log out with changes still pending."""
    try:
        with _login(port) as w:
            for r in range(ROUNDS):
                _append(w, f"client {n} round {r}")
                assert w.ask(b"f STORE 1 +FLAGS (\\Seen)\r\n", b"f")[-1].startswith(b"f ")
                if r % 3 == n % 3:
                    w.ask(b"d STORE 1 +FLAGS.SILENT (\\Deleted)\r\n", b"d")
                    assert w.ask(b"e EXPUNGE\r\n", b"e")[-1].startswith(b"e OK")
            transcripts.append(_logout(w))
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(f"client {n}: {exc!r}")


def test_concurrent_changes_and_logouts(server: ServerThread) -> None:
    """Several clients change INBOX and log out at once: no transcript has
    anything but the tagged OK after its BYE."""
    transcripts: list[list[bytes]] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_client, args=(server.port, n, transcripts, errors))
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(transcripts) == CLIENTS
    for lines in transcripts:
        assert _after_bye(lines) == [b"z OK LOGOUT completed\r\n"], lines


def test_autologout_bye_is_the_last_line(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A server-initiated BYE (autologout) is the last thing said, even with
    another session's changes pending."""
    overrides = {**IMAP, "imap": {**IMAP["imap"], "idle_timeout": 0.5}}
    config = make_config(tmp_path_factory.mktemp("autologout"), overrides).config
    srv = ServerThread(config).start()
    try:
        with _login(srv.port) as b:
            _append(b, "before")
            with _login(srv.port) as a:
                _append(b, "while a is silent")
                b.ask(b"f STORE 1 +FLAGS (\\Flagged)\r\n", b"f")
                said = a.f.read()  # until the server hangs up
                assert said == b"* BYE autologout: idle for too long\r\n"
    finally:
        srv.stop()


def test_idle_ends_with_the_autologout_too(tmp_path_factory: pytest.TempPathFactory) -> None:
    """RFC 2177 keeps RFC 3501's autologout during IDLE: a client that vanished without
    closing does not hold its connection for ever. BYE is the last line."""
    overrides = {**IMAP, "imap": {**IMAP["imap"], "idle_timeout": 0.5}}
    config = make_config(tmp_path_factory.mktemp("idle-autologout"), overrides).config
    srv = ServerThread(config).start()
    try:
        with _login(srv.port) as a:
            a.ask(b"s SELECT INBOX\r\n", b"s")
            a.f.write(b"i IDLE\r\n")
            a.f.flush()
            assert a.f.readline().startswith(b"+ ")
            said = a.f.read()  # until the server hangs up
            assert said == b"* BYE autologout: idle for too long\r\n"
    finally:
        srv.stop()
