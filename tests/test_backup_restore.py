"""Backup while ``pmemail serve`` runs, restore onto a new data dir, same mail for the clients.

Real server, real clients: mail delivered by SMTP, flags set over IMAP, UIDLs
read over POP3; a full and an incremental backup taken while the server
runs; the restore on a new data dir under a second server shows imaplib the
same messages, flags, UIDVALIDITY and UIDs, and poplib the same UIDLs.
"""

from __future__ import annotations

import imaplib
import json
import poplib
import re
import smtplib
from pathlib import Path
from typing import Any

from tests.serve_support import DOMAIN, Server, ServeSetup, pmemail

ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"  # IMAP and POP3 users
PASSWORD = "backup test pw 1"
LOOPBACK_LOGIN = {"security": {"plaintext_auth_on_loopback": True}}


def _setup(root: Path) -> ServeSetup:
    root.mkdir()
    setup = ServeSetup(root, overrides=LOOPBACK_LOGIN)
    setup.write()
    return setup


def _send(setup: ServeSetup, to: str, subject: str) -> None:
    body = f"From: dave@example.org\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{subject} body\r\n"
    with smtplib.SMTP("127.0.0.1", setup.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("dave@example.org", [to], body.encode())


def _imap_state(setup: ServeSetup) -> tuple[str, list[tuple[int, str, str]]]:
    """(UIDVALIDITY, [(uid, flags, subject)]) of alice's INBOX."""
    client = imaplib.IMAP4("127.0.0.1", setup.ports["imap"], timeout=10)
    client.login(ALICE, PASSWORD)
    client.select("INBOX", readonly=True)
    status = client.status("INBOX", "(UIDVALIDITY)")[1][0].decode()
    validity = re.search(r"UIDVALIDITY (\d+)", status)
    assert validity is not None
    data = client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1]
    client.logout()
    rows = []
    for item in data:
        if isinstance(item, tuple):
            head = item[0].decode()
            uid = re.search(r"UID (\d+)", head)
            flags = re.search(r"FLAGS \(([^)]*)\)", head)
            assert uid is not None and flags is not None
            subject = item[1].decode().strip()
            rows.append((int(uid.group(1)), " ".join(sorted(flags.group(1).split())), subject))
    return validity.group(1), sorted(rows)


def _set_flags(setup: ServeSetup) -> None:
    client = imaplib.IMAP4("127.0.0.1", setup.ports["imap"], timeout=10)
    client.login(ALICE, PASSWORD)
    client.select("INBOX")
    client.uid("STORE", "2", "+FLAGS", "(\\Flagged \\Seen)")
    client.uid("STORE", "3", "+FLAGS", "(\\Answered)")
    client.logout()


def _uidls(setup: ServeSetup) -> list[bytes]:
    pop = poplib.POP3("127.0.0.1", setup.ports["pop3"], timeout=10)
    pop.user(BOB)
    pop.pass_(PASSWORD)
    listing = pop.uidl()[1]
    pop.quit()
    return sorted(line.split()[1] for line in listing)


def _add_users(setup: ServeSetup) -> None:
    for address, protocol in ((ALICE, "imap"), (BOB, "pop3")):
        done = pmemail(
            setup, "users", "add", address, "--protocol", protocol, "--password-stdin",
            input_text=PASSWORD + "\n",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


def _json(done: object) -> dict[str, Any]:
    out = getattr(done, "stdout", "")
    assert getattr(done, "returncode", None) == 0, getattr(done, "stderr", "")
    value = json.loads(out)
    assert isinstance(value, dict)
    return value


def test_backup_while_serving_then_restore_keeps_uids_flags_and_uidls(tmp_path: Path) -> None:
    """The acceptance test of the backup: a new machine shows the same mailbox."""
    old = _setup(tmp_path / "old")
    _add_users(old)
    backups = tmp_path / "backups"
    server = Server(old)
    try:
        server.wait_ready()
        for n in range(1, 4):
            _send(old, ALICE, f"alice {n}")
        for n in range(1, 3):
            _send(old, BOB, f"bob {n}")
        _imap_state(old)  # the first SELECT numbers the messages
        _set_flags(old)
        first = _json(pmemail(old, "backup", "--to", str(backups), "--json"))
        assert first["kind"] == "full" and first["ok"] is True
        _send(old, ALICE, "alice 4")  # after the full backup: only the incremental has it
        expected_imap = _imap_state(old)
        expected_uidls = _uidls(old)
        second = _json(pmemail(old, "backup", "--to", str(backups), "--json"))
        assert second["kind"] == "incremental"
        stored, files = second["stored_files"], second["files"]
        assert isinstance(stored, int) and isinstance(files, int) and stored < files
        status = _json(pmemail(old, "status", "--json"))
    finally:
        server.terminate()
    assert [s for _, _, s in expected_imap[1]] == [f"Subject: alice {n}" for n in range(1, 5)]
    assert any("\\Flagged" in flags for _, flags, _ in expected_imap[1])
    assert len(expected_uidls) == 2
    backup = status["backup"]
    assert backup["last_name"] == second["name"] and backup["next_run"] is None

    new = _setup(tmp_path / "new")
    restored = _json(pmemail(new, "restore", str(backups), "--json"))
    assert restored["data_dir"] == str(new.data)
    assert restored["config_written"] == str(new.config) + ".from-backup"
    again = pmemail(new, "restore", str(backups))
    assert again.returncode == 1 and "--force" in again.stderr
    server = Server(new)
    try:
        server.wait_ready()
        busy = pmemail(new, "restore", str(backups), "--force", "--json")
        assert busy.returncode == 1 and json.loads(busy.stdout)["error"] == "error.server_running"
        assert _imap_state(new) == expected_imap
        assert _uidls(new) == expected_uidls
    finally:
        server.terminate()


def test_serve_schedules_backups_and_reports_them(tmp_path: Path) -> None:
    """backup.interval: the first backup at start (none yet), the next one an interval later."""
    root = tmp_path / "sched"
    root.mkdir()
    dest = tmp_path / "nas"
    setup = ServeSetup(
        root, overrides={**LOOPBACK_LOGIN, "backup": {"interval": 3600.0, "dir": str(dest)}}
    )
    setup.write()
    server = Server(setup)
    try:
        server.wait_ready()
        for _ in range(600):  # the first backup runs in a thread right after the start
            backup = _json(pmemail(setup, "status", "--json"))["backup"]
            done, next_run = backup["last_success"], backup["next_run"]
            if done is not None and next_run is not None and next_run > done:
                break  # recorded, and the schedule has read it back
        assert backup["last_success"] is not None, server.stderr()
        assert backup["dest"] == str(dest) and backup["last_error"] == ""
        assert backup["next_run"] == backup["last_success"] + 3600.0
        assert (dest / backup["last_name"] / "manifest.json").is_file()
    finally:
        server.terminate()
