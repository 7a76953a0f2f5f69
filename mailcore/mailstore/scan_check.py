"""What is still true of a scan result when it is applied.

A scan (``scan``) runs in a worker thread against a copy of the folder's file
names; by the time its result reaches the event loop, sessions may have
renamed (a flag change), removed or stored messages. These checks keep only
what the table still agrees with, so a scan never undoes a newer change.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore.scan import ScanResult
from mailcore.mailstore.table import MessageRecord, MessageTable


def unknown(table: MessageTable, found: ScanResult, top: int) -> list[MessageRecord]:
    """``found.added`` less the messages this process stored while cur/ was listed
    (those have uids above ``top``, the last uid when the scan started)."""
    start = bisect.bisect_right(table.uids, top)
    if not (found.listed_cur and found.added and start < len(table)):
        return found.added
    known = {maildir.base_of(table.path_at(i)[4:]) for i in range(start, len(table))}
    return [m for m in found.added if m.base not in known]


def still_true(
    table: MessageTable, folder: Path, found: ScanResult
) -> tuple[list[MessageRecord], list[int]]:
    """The renamed messages (records with their new path and flags) and the uids of
    the messages gone, of those the table still has as the scan saw them."""
    gone = [
        uid
        for uid, seen in found.gone
        if _path_is(table, uid, seen) and not os.path.exists(folder / seen)
    ]
    renamed: list[MessageRecord] = []
    for uid, seen, now in found.renamed:
        if _path_is(table, uid, seen):
            m = table.record_at(table.position(uid))
            m.path = now
            m.flags = maildir.keywords(m.flags) | maildir.info_flags(now)
            renamed.append(m)
    return renamed, gone


def _path_is(table: MessageTable, uid: int, path: str) -> bool:
    """Whether message ``uid`` is still there with file ``path``."""
    i = table.position(uid)
    return i >= 0 and table.path_at(i) == path
