"""The IMAP server on loopback driven by Python's imaplib (a real client)."""

from __future__ import annotations

import imaplib
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailcore.delivery import MaildirDelivery, maildir_path
from tests.config_factory import make_config
from tests.imap_support import (
    IMAP,
    NO_PLAINTEXT,
    PASSWORD,
    POP_USER,
    USER,
    ServerThread,
    sample_message,
)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server allowing plaintext login from loopback."""
    srv = ServerThread(make_config(tmp_path, IMAP).config).start()
    yield srv
    srv.stop()


@pytest.fixture()
def strict_server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that requires STARTTLS before any password."""
    srv = ServerThread(make_config(tmp_path, IMAP, NO_PLAINTEXT).config).start()
    yield srv
    srv.stop()


def deliver(srv: ServerThread, data: bytes, folder: str = "") -> None:
    """Deliver like SMTP does (another writer: MaildirDelivery into new/)."""
    spool = srv.paths.root / "spool-msg"
    spool.write_bytes(data)
    MaildirDelivery(srv.paths, fsync=False).deliver_sync(spool, [USER], folder=folder)


def test_logindisabled_until_starttls(strict_server: ServerThread) -> None:
    """Without TLS: LOGINDISABLED and LOGIN refused; after STARTTLS login works."""
    c = strict_server.connect(login=False)
    caps = c.capabilities
    assert "LOGINDISABLED" in caps and "STARTTLS" in caps and "AUTH=PLAIN" not in caps
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        c.login(USER, PASSWORD)
    c.starttls(ssl_context=strict_server.client_context())
    assert "AUTH=PLAIN" in c.capabilities and "LOGINDISABLED" not in c.capabilities
    assert c.login(USER, PASSWORD)[0] == "OK"
    assert c.select("INBOX")[0] == "OK"
    c.logout()


def test_authenticate_plain_and_bad_password(server: ServerThread) -> None:
    """AUTHENTICATE PLAIN works; a wrong password is a clean NO."""
    c = server.connect(login=False)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        c.login(USER, "wrong")
    typ, _ = c.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
    assert typ == "OK"
    c.logout()


def test_pop3_user_is_refused(server: ServerThread) -> None:
    """A POP3 account gets AUTHORIZATIONFAILED with a clear reason."""
    c = server.connect(login=False)
    with pytest.raises(imaplib.IMAP4.error, match=r"AUTHORIZATIONFAILED\] this account uses POP3"):
        c.login(POP_USER, PASSWORD)
    c.logout()


def test_special_use_folders_listed(server: ServerThread) -> None:
    """Sent, Drafts, Trash, Junk, Archive exist with their attributes."""
    c = server.connect()
    _, data = c.list()
    lines = b"\n".join(x for x in data if isinstance(x, bytes))
    for name, attr in [
        (b"Sent", b"\\Sent"),
        (b"Drafts", b"\\Drafts"),
        (b"Trash", b"\\Trash"),
        (b"Junk", b"\\Junk"),
        (b"Archive", b"\\Archive"),
    ]:
        assert attr in lines and name in lines
    c.logout()


def test_append_fetch_store_copy_move_expunge(server: ServerThread) -> None:
    """The everyday cycle of a mail client."""
    c = server.connect()
    msg = sample_message("cycle", "line one\nline two\n")
    typ, data = c.append("INBOX", "(\\Flagged)", None, msg)
    assert typ == "OK" and b"APPENDUID" in data[0]
    assert c.select("INBOX") == ("OK", [b"1"])
    typ, data = c.fetch("1", "(FLAGS RFC822.SIZE BODY.PEEK[])")
    head, body = data[0]
    crlf = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # imaplib sends CRLF
    assert body == crlf and b"RFC822.SIZE %d" % len(crlf) in head and b"\\Flagged" in head
    typ, data = c.store("1", "+FLAGS", "(\\Seen $Important)")
    assert b"\\Seen" in data[0] and b"$Important" in data[0]
    typ, data = c.copy("1", "Archive")
    assert b"COPYUID" in data[0]
    typ, data = c.uid("MOVE", "1", "Trash")
    assert typ == "OK"
    assert c.select("INBOX") == ("OK", [b"0"])
    assert c.select("Trash")[1] == [b"1"]
    c.store("1", "+FLAGS", "\\Deleted")
    typ, data = c.expunge()
    assert data == [b"1"]
    typ, data = c.status("Archive", "(MESSAGES UNSEEN)")
    assert b"MESSAGES 1 UNSEEN 0" in data[0]
    c.logout()


def test_idle_sees_delivery_by_another_writer(server: ServerThread) -> None:
    """A file delivered into new/ by MaildirDelivery shows up during IDLE within a second."""
    c = server.connect()
    c.select("INBOX")
    tag = c._new_tag().decode()
    c.send(f"{tag} IDLE\r\n".encode())
    assert c.readline().startswith(b"+")
    start = time.monotonic()
    deliver(server, sample_message("pushed"))
    c.sock.settimeout(3)
    line = c.readline()
    elapsed = time.monotonic() - start
    print(f"IDLE saw the delivery after {elapsed:.3f} s")
    assert line == b"* 1 EXISTS\r\n"
    assert c.readline() == b"* 1 RECENT\r\n"  # the first session told: recent there
    c.send(b"DONE\r\n")
    assert c.readline().startswith(f"{tag} OK".encode())
    c.logout()


def test_two_sessions_see_each_other(server: ServerThread) -> None:
    """Flags, new messages and expunges made by one session reach the other."""
    a, b = server.connect(), server.connect()
    a.append("INBOX", None, None, sample_message("one"))
    a.append("INBOX", None, None, sample_message("two"))
    a.select("INBOX")
    b.select("INBOX")
    a.store("1", "+FLAGS", "\\Flagged")
    b.untagged_responses.clear()
    b.noop()
    assert b.untagged_responses.get("FETCH") == [b"1 (UID 1 FLAGS (\\Flagged))"]
    a.store("1", "+FLAGS", "\\Deleted")
    a.expunge()
    a.append("INBOX", None, None, sample_message("three"))
    b.untagged_responses.clear()
    b.noop()
    assert b.untagged_responses.get("EXPUNGE") == [b"1"]
    assert b.untagged_responses.get("EXISTS") == [b"2"]
    _, data = b.fetch("1:*", "(UID)")
    assert [x for x in data] == [b"1 (UID 2)", b"2 (UID 3)"]
    a.logout()
    b.logout()


def test_uids_stable_across_restart(tmp_path: Path) -> None:
    """UIDVALIDITY and UIDs survive a restart; new arrivals continue the sequence."""
    config = make_config(tmp_path, IMAP).config
    srv = ServerThread(config).start()
    c = srv.connect()
    for i in range(3):
        c.append("INBOX", None, None, sample_message(f"m{i}"))
    c.select("INBOX")
    c.store("2", "+FLAGS", "(\\Deleted)")
    c.expunge()
    before = c.status("INBOX", "(UIDVALIDITY UIDNEXT)")[1][0]
    c.logout()
    srv.stop()
    srv2 = ServerThread(config).start()
    deliver(srv2, sample_message("after"))
    c = srv2.connect()
    assert before.endswith(b" UIDNEXT 4)")
    assert c.status("INBOX", "(UIDVALIDITY UIDNEXT)")[1][0] == before.replace(b"4)", b"5)")
    c.select("INBOX")
    _, data = c.fetch("1:*", "(UID)")
    assert data == [b"1 (UID 1)", b"2 (UID 3)", b"3 (UID 4)"]
    c.logout()
    srv2.stop()


def test_bad_input_never_drops_connection(server: ServerThread) -> None:
    """Garbage, wrong state, bad names and bad literals get tagged BAD/NO answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        f = s.makefile("rwb")
        assert f.readline().startswith(b"* OK")

        def ask(line: bytes) -> bytes:
            f.write(line)
            f.flush()
            return f.readline()

        assert ask(b"\r\n") == b"* BAD missing or invalid tag\r\n"
        assert ask(b"a1 FROB\r\n") == b"a1 BAD unknown command FROB\r\n"
        assert ask(b"a2 SELECT INBOX\r\n").startswith(b"a2 BAD SELECT not allowed")
        assert ask(b"a3 LOGIN\r\n").startswith(b"a3 BAD")
        assert ask(b'a4 LOGIN "unterminated\r\n').startswith(b"a4 BAD")
        assert ask(b"a5 LOGIN " + USER.encode() + b' "' + PASSWORD.encode() + b'"\r\n').startswith(
            b"a5 OK"
        )
        assert ask(b"a6 SELECT &Jjo\r\n").startswith(b"a6 NO")
        assert ask(b"a7 FETCH 1 FLAGS\r\n").startswith(b"a7 BAD FETCH not allowed")
        assert ask(b"a8 SELECT INBOX\r\n").startswith(b"* FLAGS")
        while not f.readline().startswith(b"a8 "):
            pass
        assert ask(b"a9 FETCH 5 FLAGS\r\n").startswith(b"a9 BAD invalid message sequence")
        assert ask(b"b1 FETCH 1:* (BODY[999.HEADERX])\r\n").startswith(b"b1 BAD")
        assert ask(b"b2 APPEND INBOX {99999999999}\r\n").startswith(b"b2 NO [TOOBIG]")
        assert ask(b"b3 APPEND INBOX {5+}\r\nhello\r\n") == b"* 1 EXISTS\r\n"
        assert f.readline() == b"* 1 RECENT\r\n"
        assert f.readline().startswith(b"b3 OK [APPENDUID")
        assert ask(b"b4 SEARCH NOT\r\n").startswith(b"b4 BAD")
        assert ask(b"b5 UID FETCH 1:* (UID FLAGS)\r\n").startswith(b"* 1 FETCH")
        assert f.readline().startswith(b"b5 OK")
        assert ask(b"b6 LOGOUT\r\n") == b"* BYE logging out\r\n"


def test_create_rename_delete_utf7(server: ServerThread) -> None:
    """Folder management with modified UTF-7 names (stored as Maildir++ .dirs)."""
    c = server.connect()
    assert c.create("Projets.&AOk-t&AOk-")[0] == "OK"
    assert c.rename("Projets", "Clients")[0] == "OK"
    _, data = c.list('""', "Clients*")
    assert any(b"Clients.&AOk-t&AOk-" in x for x in data)
    root = server.paths.maildirs / "example.be" / "alice"
    assert (root / ".Clients.&AOk-t&AOk-" / "cur").is_dir()
    assert c.delete("Clients.&AOk-t&AOk-")[0] == "OK"
    assert c.delete("INBOX")[0] == "NO"
    c.logout()
    assert os.path.isdir(maildir_path(server.paths, USER, "Sent"))


def test_starttls_discards_pipelined_plaintext(strict_server: ServerThread) -> None:
    """Commands sent in clear after STARTTLS are dropped, not run inside TLS."""
    raw = socket.create_connection(("127.0.0.1", strict_server.port), timeout=5)
    f = raw.makefile("rb")
    f.readline()
    raw.sendall(b"a STARTTLS\r\nb CAPABILITY\r\n")
    assert f.readline() == b"a OK Begin TLS negotiation now\r\n"
    tls = strict_server.client_context().wrap_socket(raw, server_hostname="mail.example.be")
    tf = tls.makefile("rwb")
    tf.write(b"c NOOP\r\n")
    tf.flush()
    assert tf.readline() == b"c OK NOOP completed\r\n"
    tf.close()
    f.close()
    tls.close()


def test_throttle_locks_after_failures(tmp_path: Path) -> None:
    """After security.max_failures wrong passwords, even the right one is refused for a while."""
    config = make_config(tmp_path, IMAP, {"security": {"max_failures": 2}}).config
    srv = ServerThread(config).start()
    try:
        c = srv.connect(login=False)
        for _ in range(2):
            with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                c.login(USER, "wrong")
        with pytest.raises(imaplib.IMAP4.error, match=r"\[UNAVAILABLE\] too many failed logins"):
            c.login(USER, PASSWORD)
        c.logout()
    finally:
        srv.stop()
