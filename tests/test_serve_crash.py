"""``kill -9`` of ``pmemail serve`` under load: every message that got 250 is on disk."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mailcore.delivery import maildir_path
from mailcore.users import UserStore
from pmemail.config.paths import DataPaths
from tests.serve_support import DOMAIN, Server, ServeSetup

TOTAL = 1000
THREADS = 16
KILL_AFTER = 300  # acknowledged messages before the kill: mid-load, not at the end
USERS = [f"user{i}@{DOMAIN}" for i in range(3)]
LOAD_SCRIPT = Path(__file__).with_name("serve_load.py")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def delivered_ids(data: Path) -> list[str]:
    """Message-IDs of every message in the users' Maildirs (new/ and cur/)."""
    ids = []
    for user in USERS:
        box = maildir_path(DataPaths(data), user)
        for sub in ("new", "cur"):
            for f in (box / sub).glob("*") if (box / sub).is_dir() else []:
                match = MESSAGE_ID.search(f.read_bytes())
                assert match, f"{f} has no Message-ID: a partial file in {sub}/"
                ids.append(match.group(1).decode())
    return ids


@pytest.mark.slow
def test_kill_9_during_load_loses_no_acknowledged_message(tmp_path: Path) -> None:
    """1,000 messages from 16 threads of a second process; kill -9 after 300 acks."""
    setup = ServeSetup(tmp_path)
    setup.write()
    store = UserStore(setup.data / "users.sqlite3", [DOMAIN])
    for user in USERS:
        store.add_user(user, "not-used-here-1")
    server = Server(setup)
    server.wait_ready()
    load = subprocess.Popen(
        [
            sys.executable,
            str(LOAD_SCRIPT),
            "127.0.0.1",
            str(setup.ports["smtp"]),
            str(TOTAL),
            str(THREADS),
            *USERS,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    acked: list[str] = []
    failed = 0
    killed = False
    try:
        assert load.stdout is not None
        for line in load.stdout:
            word, msg_id = line.split()
            if word == "OK":
                acked.append(msg_id)
            else:
                failed += 1
            if not killed and len(acked) >= KILL_AFTER:
                server.kill()
                killed = True
    finally:
        load.wait(timeout=120)
        if load.stdout is not None:
            load.stdout.close()
        server.kill()
    assert killed, "the load ended before the kill"
    assert len(acked) < TOTAL and failed > 0, "the kill did not interrupt the load"
    on_disk = delivered_ids(setup.data)
    missing = set(acked) - set(on_disk)
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {sorted(missing)[:3]}"
    assert len(on_disk) == len(set(on_disk)), "a message was delivered twice"
    # after the crash the server starts again on the same data dir (stale pid file)
    again = Server(setup)
    again.wait_ready()
    code, err = again.terminate()
    assert code == 0, err
