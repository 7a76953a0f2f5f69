"""Real Debian IMAP clients run against pmemail and Dovecot over the same mailbox.

``open_sides`` (``test_imapdiff_harness``) serves one delivered corpus from both
servers; each client then does the same things to each server, and what it ends
with is compared between the two: mbsync's local Maildir (the messages' bytes and
flags, folder by folder), each server's state after the client's changes, and
s-nail's output and saved file. Neither client may report an error. Both servers
are dialled in clear on loopback (Dovecot runs here without TLS; the STARTTLS
paths of these clients are ``test_imapclients_debian``'s). Messages are named by
corpus file (``BY_KEY``), never by UID; mbsync's ``X-TUID`` header (a random id it
adds to uploads) is left out of the bytes compared.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.imap_parse import parse_fetch
from tests.imap_support import PASSWORD, USER
from tests.test_imapclients_debian import MBSYNCRC as STARTTLS_MBSYNCRC
from tests.test_imapclients_debian import _run as run_client
from tests.test_imapdiff_harness import (
    BY_KEY,
    NAMES,
    SKIP_WITHOUT_DOVECOT,
    Side,
    content_key,
    open_sides,
)

pytestmark = SKIP_WITHOUT_DOVECOT
Sides = tuple[Side, Side]
# folder -> sorted [(message, flags)]
State = dict[str, list[tuple[str, str]]]
_TUID = re.compile(rb"^X-TUID: [^\n]*\n", re.MULTILINE)
_LIST_NAME = re.compile(rb'^\((?P<attrs>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$')
INCOMPLETE = "27-headers-only.eml"
_FLAG_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S"}

NEW_LOCAL = (
    b"From: Near <near@example.be>\nTo: alice@example.be\nSubject: written offline\n"
    b"Date: Wed, 3 May 2023 09:00:00 +0200\nMessage-ID: <offline-1@example.be>\n\n"
    b"Uploaded by mbsync.\n"
)
NEW_REMOTE = (
    b"From: Far <far@example.org>\r\nTo: alice@example.be\r\nSubject: arrived later\r\n"
    b"Date: Thu, 4 May 2023 09:00:00 +0200\r\nMessage-ID: <later-1@example.org>\r\n\r\n"
    b"Delivered between two syncs.\r\n"
)


def _name(data: bytes) -> str:
    """A message by corpus name (or the two written here), its bytes otherwise."""
    key = content_key(_TUID.sub(b"", data.replace(b"\r", b"")))
    known = {content_key(NEW_LOCAL): "new-local", content_key(NEW_REMOTE): "new-remote"}
    return BY_KEY.get(key) or known.get(key) or f"other-{key[:12]}"


# ---------------------------------------------------------------- state


def server_state(side: Side) -> State:
    """Every selectable folder of a server: its messages by name and their flags."""
    client = side.connect()
    try:
        typ, listed = client.list('""', "*")
        assert typ == "OK", listed
        out: State = {}
        for line in listed:
            assert isinstance(line, bytes), line
            m = _LIST_NAME.match(line)
            assert m, line
            if b"\\noselect" in m["attrs"].lower():
                continue
            folder = m["name"].decode().strip('"')
            typ, exists = client.select(f'"{folder}"', readonly=True)
            assert typ == "OK", (side.label, folder, exists)
            rows = []
            if exists != [b"0"]:
                typ, data = client.fetch("1:*", "(FLAGS BODY.PEEK[])")
                for fields in parse_fetch(data).values():
                    letters = (_FLAG_LETTERS.get(str(f), "") for f in fields["FLAGS"])
                    rows.append((_name(fields["BODY[]"]), "".join(sorted(letters))))
            out[folder] = sorted(rows)
        return out
    finally:
        client.logout()


def local_files(folder: Path) -> dict[str, Path]:
    """``{message name: file}`` of a local Maildir folder."""
    return {_name(p.read_bytes()): p for sub in ("new", "cur") for p in (folder / sub).iterdir()}


def local_state(root: Path) -> State:
    """mbsync's local Maildirs (``SubFolders Verbatim``): messages and flag letters."""
    out: State = {}
    for folder in sorted(p for p in root.rglob("cur") if p.is_dir()):
        box = folder.parent
        rows = [(n, p.name.partition(":2,")[2]) for n, p in local_files(box).items()]
        out[str(box.relative_to(root))] = sorted(rows)
    return out


# ---------------------------------------------------------------- mbsync

# the account in clear; the stores and the channel as in the STARTTLS test
MBSYNCRC = (
    'IMAPAccount pm\nHost 127.0.0.1\nPort {port}\nUser {user}\nPass "{password}"\n'
    "SSLType None\nAuthMechs LOGIN\n\nIMAPStore" + STARTTLS_MBSYNCRC.split("IMAPStore", 1)[1]
)


class Mbsync:
    """One mbsync setup (its own HOME, rc file and local Maildir) for one server."""

    def __init__(self, side: Side, home: Path) -> None:
        self.side, self.home, self.local = side, home, home / "Mail"
        self.local.mkdir(parents=True)
        self.rc = home / ".mbsyncrc"
        self.rc.write_text(
            MBSYNCRC.format(port=side.port, user=USER, password=PASSWORD, local=self.local)
        )
        self.rc.chmod(0o600)

    def sync(self) -> None:
        """``mbsync -a``: exit status 0 and no error printed."""
        out = run_client(self.home, ["mbsync", "-c", str(self.rc), "-a"])
        errors = [line for line in out.splitlines() if "error" in line.lower()]
        assert not errors, f"{self.side.label}: {out}"

    def change_locally(self) -> None:
        """Flag one, delete one, move one to Archive, write a new one."""
        inbox = local_files(self.local / "INBOX")
        first = inbox["01-plain.eml"]
        first.rename(first.parent.parent / "cur" / (first.name.split(":")[0] + ":2,FS"))
        inbox["02-alternative.eml"].unlink()
        moved = inbox["03-attachment.eml"]
        base = moved.name.split(",U=")[0].split(":")[0]  # no UID: new in Archive
        moved.rename(self.local / "Archive" / "cur" / (base + ":2,S"))
        (self.local / "INBOX" / "new" / "1683100000.offline.near").write_bytes(NEW_LOCAL)


def change_on_server(side: Side) -> None:
    """What another client and the MDA do between two syncs: a flag, a move, an
    expunge and a delivery (the same on both servers, by corpus name)."""
    client = side.connect()
    try:
        assert client.select("INBOX")[0] == "OK"
        typ, data = client.fetch("1:*", "(UID BODY.PEEK[])")
        uid = {_name(f["BODY[]"]): str(f["UID"]) for f in parse_fetch(data).values()}
        for line in [
            ("STORE", uid["05-8bit.eml"], "+FLAGS", "(\\Answered)"),
            ("MOVE", uid["06-malformed.eml"], "Trash"),
            ("STORE", uid["08-crlf.eml"], "+FLAGS", "(\\Deleted)"),
            ("EXPUNGE", uid["08-crlf.eml"]),
        ]:
            typ, data = client.uid(*line)
            assert typ == "OK", (side.label, line, data)
    finally:
        client.logout()
    side.deliver(NEW_REMOTE)


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="Debian package isync missing")
def test_mbsync_ends_the_same(tmp_path: Path) -> None:
    """Download; local flag, delete, move and new message up; server-side flag, move,
    expunge and delivery down. After each sync the local Maildirs hold the same bytes
    with the same flags, and so do the two servers."""
    with open_sides(tmp_path / "servers") as sides:
        syncs = [Mbsync(side, tmp_path / side.label) for side in sides]

        def both_alike() -> State:
            servers = [server_state(s) for s in sides]
            assert servers[0] == servers[1]
            locals_ = [local_state(m.local) for m in syncs]
            assert locals_[0] == locals_[1]
            # mbsync is in step, but for a message without a blank line after its
            # header: it does not copy that one ("incomplete header"), from either server
            on_server = [row for row in servers[0]["INBOX"] if row[0] != INCOMPLETE]
            assert locals_[0]["INBOX"] == on_server
            return servers[0]

        for m in syncs:
            m.sync()
        state = both_alike()
        assert len(state["INBOX"]) == len(NAMES)
        assert INCOMPLETE not in dict(local_state(syncs[0].local)["INBOX"])

        for m in syncs:
            m.change_locally()
            m.sync()
        state = both_alike()
        assert ("01-plain.eml", "FS") in state["INBOX"]
        assert ("03-attachment.eml", "S") in state["Archive"]
        assert "new-local" in dict(state["INBOX"])

        for m in syncs:
            change_on_server(m.side)
            m.sync()
        state = both_alike()
        assert ("05-8bit.eml", "R") in state["INBOX"]
        assert "06-malformed.eml" in dict(state["Trash"])
        assert "new-remote" in dict(state["INBOX"])
        assert "08-crlf.eml" not in dict(local_state(syncs[0].local)["INBOX"])


# ---------------------------------------------------------------- s-nail

SNAIL_SCRIPT = """\
headers
print 1
Print 4
flag 2
unread 3
from '(subject invoice)'
from '(or (from kim) (to bob))'

copy 5 +Archive
move 7 +Trash
save 9 {saved}
delete 10
headers '(unseen)'

quit
"""


def snail(side: Side, home: Path) -> tuple[str, bytes]:
    """s-nail in batch mode over plain IMAP: (its output, the file it saved)."""
    home.mkdir(parents=True)
    saved = home / "saved.mbox"
    base = f"imap://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{side.port}"
    argv = ["s-nail", "-#", "-:/", "-S", "v15-compat", "-S", "hold", "-S", "keep"]
    argv += ["-S", f"folder={base}", "-S", "imap-keepalive=0", "-f", f"{base}/INBOX"]
    out = run_client(home, argv, SNAIL_SCRIPT.format(saved=saved))
    refused = [line for line in out.splitlines() if re.search(r"(?i)imap.*(error|refused)", line)]
    assert not refused, f"{side.label}: {out}"
    # the port and the home are each server's own; nothing else should differ
    out = out.replace(str(side.port), "PORT").replace(str(home), "HOME")
    return out, saved.read_bytes()


@pytest.mark.skipif(shutil.which("s-nail") is None, reason="Debian package s-nail missing")
def test_snail_ends_the_same(tmp_path: Path) -> None:
    """Headers, print, flag, unread, IMAP search, copy, move, save and delete: the same
    output, the same saved file and the same server state afterwards."""
    with open_sides(tmp_path / "servers") as sides:
        (out_a, saved_a), (out_b, saved_b) = (snail(s, tmp_path / s.label) for s in sides)
        assert out_a == out_b
        assert saved_a.replace(b"\r", b"") == saved_b.replace(b"\r", b"")
        state = [server_state(s) for s in sides]
        assert state[0] == state[1]
        assert len(state[0]["Archive"]) == len(state[0]["Trash"]) == 1  # copied, moved
        assert len(state[0]["INBOX"]) == len(NAMES) - 2  # moved, deleted
