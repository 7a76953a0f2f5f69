"""The hand-over: Postfix and Dovecot started from ``pmemail export postfix-dovecot``.

A pmemail server gets mail and flags; it is stopped and exported; a private
Dovecot and a private Postfix (their own directories and loopback ports,
never the system's services) run from the exported files, with only the
instance paths (queue, run and state directories, logs) changed for the
test; the milter is left out (no OpenDKIM daemon here). A message through
Postfix reaches the user by LMTP; Dovecot shows it and the older pmemail
messages with the unchanged password, the same UIDVALIDITY, UIDs and flags,
and POP3 the same UIDLs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.dovecot_support import DOVECOT, give_to_mail_user, missing
from tests.serve_support import Server, ServeSetup, pmemail
from tests.test_backup_restore import (
    ALICE,
    BOB,
    LOOPBACK_LOGIN,
    _add_users,
    _imap_state,
    _send,
    _set_flags,
    _uidls,
)

POSTFIX = "/usr/sbin/postfix"


def _skip_reason() -> str | None:
    reason = missing(("imap", "pop3"))
    if reason:
        return reason
    if not Path("/usr/lib/dovecot/lmtp").exists():
        return "Dovecot LMTP missing (Debian package dovecot-lmtpd)"
    if not Path(POSTFIX).exists():
        return "Postfix missing (Debian package postfix)"
    return None


@pytest.fixture
def world() -> Iterator[Path]:
    """A 0755 directory under /tmp: Dovecot's and Postfix's users must traverse it."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="pmemail-handover-"))
    os.chmod(root, 0o755)
    try:
        yield root
    finally:
        if not os.environ.get("KEEP_HANDOVER"):
            shutil.rmtree(root, ignore_errors=True)


def _start_dovecot(world: Path, export: Path) -> subprocess.Popen[bytes]:
    run = world / "dovecot-run"
    run.mkdir()
    os.chmod(run, 0o755)
    conf = world / "dovecot.conf"
    instance = (
        f"\n# the test's own instance\nbase_dir = {run}\nstate_dir = {world / 'dovecot-state'}\n"
        f"log_path = {world / 'dovecot.log'}\n"
        "service anvil {\n  chroot =\n}\n"
    )
    conf.write_text((export / "dovecot" / "dovecot.conf").read_text() + instance)
    return subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE)


def _start_postfix(world: Path, export: Path) -> Path:
    etc = world / "postfix-etc"
    shutil.copytree(export / "postfix", etc)
    for sub in ("queue", "data"):
        (world / sub).mkdir()
    run = world / "dovecot-run"
    instance = [
        f"queue_directory={world / 'queue'}",
        f"data_directory={world / 'data'}",
        f"maillog_file={world / 'maillog'}",
        f"maillog_file_prefixes={world}",
        f"virtual_transport=lmtp:unix:{run}/lmtp",
        f"smtpd_sasl_path={run}/auth-postfix",
        "smtpd_milters=",
        "non_smtpd_milters=",
        "smtp_dns_support_level=disabled",
        "default_transport=error:test instance sends no mail out",
    ]
    subprocess.run(["postconf", "-c", str(etc), "-e", *instance], check=True)
    shutil.chown(world / "data", "postfix")
    started = subprocess.run([POSTFIX, "-c", str(etc), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        check = subprocess.run([POSTFIX, "-vc", str(etc), "check"], capture_output=True, text=True)
        raise AssertionError(started.stderr + check.stderr[-3000:] + _log(world))
    return etc


def _wait(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if callable(condition) and condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_exported_postfix_and_dovecot_serve_the_same_mailboxes(world: Path) -> None:
    """Old mail keeps its UIDs and flags, new mail arrives through Postfix, same passwords."""
    (world / "pm").mkdir()
    setup = ServeSetup(world / "pm", overrides=LOOPBACK_LOGIN)
    setup.write()
    _add_users(setup)
    server = Server(setup)
    try:
        server.wait_ready()
        for n in (1, 2, 3):
            _send(setup, ALICE, f"alice {n}")
        _send(setup, BOB, "bob 1")
        _imap_state(setup)
        _set_flags(setup)
        before = _imap_state(setup)
        uidls = _uidls(setup)
    finally:
        server.terminate()
    give_to_mail_user(setup.data)  # Dovecot refuses root's mail; the service account's
    export = world / "export"
    done = pmemail(setup, "export", "postfix-dovecot", str(export), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        report["users"] == 2 and report["old_hashes"] == [] and report["messages"] == 3
    )  # the IMAP user's; POP3 keeps no index
    assert (export / "README.txt").is_file() and (export / "README.fr.txt").is_file()
    assert "polkit/50-pmemail-reload.rules" in report["files"]  # the reload after renewals

    with exported_pair(world, export):
        assert _imap_state(setup) == before  # same password, UIDVALIDITY, UIDs, flags
        assert _uidls(setup) == uidls
        _wait(lambda: _try_send(setup), "Postfix on the SMTP port")

        def arrived() -> bool:
            return len(_imap_state(setup)[1]) == 4

        _wait(arrived, f"the message through Postfix and LMTP: {_log(world)}")
        validity, rows = _imap_state(setup)
        assert validity == before[0]
        assert rows[:3] == before[1]
        assert rows[3][0] > before[1][-1][0] and rows[3][2] == "Subject: through postfix"


@contextmanager
def exported_pair(world: Path, export: Path) -> Iterator[Path]:
    """Dovecot, then Postfix, run from the export (Postfix's config dir); both stopped after."""
    dovecot = _start_dovecot(world, export)
    etc: Path | None = None
    try:
        _wait(lambda: (world / "dovecot-run" / "lmtp").exists(), "Dovecot's LMTP socket")
        etc = _start_postfix(world, export)
        yield etc
    finally:
        if etc is not None:
            subprocess.run([POSTFIX, "-c", str(etc), "stop"], capture_output=True)
        dovecot.terminate()
        dovecot.wait(10)
        if dovecot.stderr:
            dovecot.stderr.close()


def _try_send(setup: ServeSetup) -> bool:
    _send(setup, ALICE, "through postfix")
    return True


def _log(world: Path) -> str:
    texts = []
    for name in ("maillog", "dovecot.log"):
        path = world / name
        if path.exists():
            texts.append(path.read_text(errors="replace")[-3000:])
    return "\n".join(texts)
