"""Dovecot's ``dovecot-uidlist`` for each folder of a user, from pmemail's index.

Written by the hand-over to Postfix + Dovecot: Dovecot then numbers the
same files with the same UIDs under the same UIDVALIDITY, so IMAP clients
keep their caches (format version 3: a header ``3 V<uidvalidity> N<uidnext>
G<guid>``, then one ``<uid> :<file name without its :2, info>`` line per
message; Dovecot matches files by that base name, as pmemail does). Flags
travel in the file names already; a message still in ``new/`` has no UID
yet and gets the next one from Dovecot, as it would from pmemail.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore.index import INDEX_NAME, Index
from mailcore.mailstore.names import to_dirname
from pmemail.fsutil import atomic_write_text

UIDLIST = "dovecot-uidlist"
SUBSCRIPTIONS = "subscriptions"


@dataclass
class UidlistReport:
    """What was written for one user."""

    folders: int = 0
    messages: int = 0


def uidlist_text(uidvalidity: int, uidnext: int, entries: list[tuple[int, str]]) -> str:
    """The file's content for a folder: ``entries`` are (uid, path in the folder)."""
    lines = [f"3 V{uidvalidity} N{uidnext} G{uuid.uuid4().hex}"]
    for uid, path in entries:
        lines.append(f"{uid} :{maildir.base_of(path.rsplit('/', 1)[-1])}")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write as the folder's owner would: Dovecot (not root) rewrites the file later."""
    atomic_write_text(path, text)
    st = path.parent.stat()
    if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
        os.chown(path, st.st_uid, st.st_gid)


def write_uidlists(user_root: Path) -> UidlistReport:
    """Write ``dovecot-uidlist`` in every indexed folder of ``user_root`` (and Dovecot's
    ``subscriptions`` file); nothing when the user has no index yet."""
    report = UidlistReport()
    if not (user_root / INDEX_NAME).is_file():
        return report
    index = Index(user_root)
    try:
        for name, row in index.folders().items():
            folder = user_root / to_dirname(name)
            if not folder.is_dir():
                continue
            table = index.messages(name)
            entries = [(table.uids[i], table.path_at(i)) for i in range(len(table))]
            _write(folder / UIDLIST, uidlist_text(row.uidvalidity, row.uidnext, entries))
            report.folders += 1
            report.messages += len(entries)
        subscribed = sorted(n for n in index.subscriptions() if n != "INBOX")
        _write(user_root / SUBSCRIPTIONS, "".join(f"{n}\n" for n in subscribed))
    finally:
        index.close()
    return report
