"""Real Debian IMAP clients against pmemail's IMAP server over STARTTLS.

``isync`` (mbsync) syncs the mailbox down and back up (new message, flag,
local delete, local move between folders, server-side move) and ``s-nail``
in batch mode lists, reads, flags and deletes. No plaintext exception: the
clients must STARTTLS and verify the generated certificate, which names
``localhost`` (the host both clients dial) and is trusted via each client's
CA option. Each test is skipped when its client is missing (Debian packages
``isync`` and ``s-nail``).
"""

from __future__ import annotations

import imaplib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from mailcore.delivery import MaildirDelivery
from tests.config_factory import make_config
from tests.imap_parse import parse_fetch
from tests.imap_support import IMAP, NO_PLAINTEXT, PASSWORD, USER, ServerThread

SUBJECTS = ["first message", "second message", "third message"]


def _message(subject: str) -> bytes:
    return (
        f"From: Carol <carol@far.example>\nTo: {USER}\nSubject: {subject}\n"
        f"Date: Mon, 1 May 2023 10:00:00 +0000\nMessage-ID: <{subject.split()[0]}@far>\n"
        f"\nBody of the {subject}.\n"
    ).encode()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """pmemail IMAP on 127.0.0.1:0 requiring STARTTLS, three messages in INBOX."""
    dialled = {"mail": {"hostname": "localhost"}}  # the name the clients dial and verify
    config = make_config(tmp_path, IMAP, NO_PLAINTEXT, dialled).config
    thread = ServerThread(config).start()
    delivery = MaildirDelivery(thread.paths, fsync=False)
    for subject in SUBJECTS:
        src = tmp_path / "msg.eml"
        src.write_bytes(_message(subject))
        delivery.deliver_sync(src, [USER])
    try:
        yield thread
    finally:
        thread.stop()


def _imap(server: ServerThread, mailbox: str = "INBOX") -> imaplib.IMAP4:
    """A verifying imaplib client over STARTTLS with ``mailbox`` selected."""
    client = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
    client.starttls(server.client_context())
    client.login(USER, PASSWORD)
    typ, data = client.select(mailbox)
    assert typ == "OK", data
    return client


def _state(server: ServerThread, mailbox: str = "INBOX") -> dict[str, set[str]]:
    """``{subject: flags}`` of a mailbox as the server reports it."""
    client = _imap(server, mailbox)
    try:
        typ, data = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert typ == "OK", data
        if data == [None]:
            return {}
        out = {}
        for fields in parse_fetch(data).values():
            header = next(v for k, v in fields.items() if k.startswith("BODY["))
            subject = header.decode().split(":", 1)[1].strip()
            out[subject] = {str(f) for f in fields["FLAGS"]} - {"\\Recent"}
        return out
    finally:
        client.logout()


def _run(home: Path, argv: list[str], stdin: str = "") -> str:
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        argv, input=stdin.encode(), env=env, capture_output=True, timeout=60, check=False
    )
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode == 0, f"{argv[0]} exited {proc.returncode}:\n{out}"
    return out


# ---------------------------------------------------------------- mbsync

MBSYNCRC = """\
IMAPAccount pm
Host localhost
Port {port}
User {user}
Pass "{password}"
SSLType STARTTLS
CertificateFile {cert}
AuthMechs PLAIN

IMAPStore remote
Account pm

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel pm
Far :remote:
Near :local:
Patterns *
Create Both
Remove Both
Expunge Both
SyncState *
"""


def _local_files(folder: Path) -> dict[str, Path]:
    """``{subject: file}`` of a local Maildir folder."""
    out = {}
    for sub in ("new", "cur"):
        for path in (folder / sub).iterdir():
            for line in path.read_text().splitlines():
                if line.startswith("Subject: "):
                    out[line[9:]] = path
    return out


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="Debian package isync missing")
def test_mbsync_sync_down_and_up(server: ServerThread, tmp_path: Path) -> None:
    """mbsync: download, then upload a new message, a flag, a delete and a move."""
    home, local = tmp_path / "home", tmp_path / "home" / "Mail"
    local.mkdir(parents=True)
    rc = home / ".mbsyncrc"
    rc.write_text(
        MBSYNCRC.format(
            port=server.port,
            user=USER,
            password=PASSWORD,
            cert=server.paths.tls_dir / "cert.pem",
            local=local,
        )
    )
    rc.chmod(0o600)
    sync = ["mbsync", "-c", str(rc), "-a"]

    _run(home, sync)
    inbox = _local_files(local / "INBOX")
    assert sorted(inbox) == sorted(SUBJECTS)
    assert {"Sent", "Drafts", "Trash", "Junk", "Archive"} <= {p.name for p in local.iterdir()}

    # local changes: flag the first, delete the second, move the third, add one
    first = inbox["first message"]
    first.rename(first.parent.parent / "cur" / (first.name.split(":")[0] + ":2,FS"))
    inbox["second message"].unlink()
    third = inbox["third message"]
    base = third.name.split(",U=")[0].split(":")[0]  # without the UID: a new message there
    third.rename(local / "Archive" / "cur" / (base + ":2,S"))
    (local / "INBOX" / "new" / "1700000000.local.host").write_bytes(_message("fourth message"))
    _run(home, sync)

    assert _state(server) == {"first message": {"\\Flagged", "\\Seen"}, "fourth message": set()}
    assert _state(server, "Archive") == {"third message": {"\\Seen"}}

    # a server-side change (MOVE by another client) comes down on the next sync
    client = _imap(server)
    try:
        typ, data = client.fetch("1", "(UID)")
        uid = str(parse_fetch(data)[1]["UID"])
        typ, data = client.uid("MOVE", uid, "Trash")
        assert typ == "OK", data
    finally:
        client.logout()
    _run(home, sync)
    assert sorted(_local_files(local / "INBOX")) == ["fourth message"]
    assert sorted(_local_files(local / "Trash")) == ["first message"]


# ---------------------------------------------------------------- s-nail


@pytest.mark.skipif(shutil.which("s-nail") is None, reason="Debian package s-nail missing")
def test_snail_batch_list_read_flag_delete(server: ServerThread, tmp_path: Path) -> None:
    """s-nail in batch mode over STARTTLS: headers, print, flag, delete, quit."""
    home = Path(tempfile.mkdtemp(dir=tmp_path))
    url = f"imap://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@localhost:{server.port}/INBOX"
    argv = [
        "s-nail",
        "-#",
        "-:/",
        "-S",
        "v15-compat",
        "-S",
        "imap-use-starttls",
        "-S",
        f"tls-ca-file={server.paths.tls_dir / 'cert.pem'}",
        "-S",
        "tls-ca-no-defaults",
        "-S",
        "hold",
        "-S",
        "keep",
        "-f",
        url,
    ]
    out = _run(home, argv, "headers\nprint 1\nflag 2\ndelete 3\nquit\n")
    for subject in SUBJECTS:
        assert subject in out
    assert "Body of the first message." in out
    assert _state(server) == {"first message": {"\\Seen"}, "second message": {"\\Flagged"}}
