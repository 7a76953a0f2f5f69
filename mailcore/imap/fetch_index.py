"""FETCH of items the index alone answers: UID, FLAGS, RFC822.SIZE, MODSEQ.

This is a client's "what changed" sync over a whole mailbox (``FETCH 1:*
(UID FLAGS)``), so it reads the folder's packed table directly: no record
object per message, one line template per distinct flag set, and the answer
sent in large writes.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from mailcore.imap.grammar import FetchItem
from mailcore.imap.selected import RECENT, SelectedView, flags_bytes
from mailcore.mailstore.table import MessageTable

if TYPE_CHECKING:
    from mailcore.imap.session import ImapSession

ITEMS = frozenset({"UID", "FLAGS", "RFC822.SIZE", "MODSEQ"})
"""The FETCH items answered here."""

_PIECES: dict[str, bytes] = {
    "UID": b"UID %d",
    "RFC822.SIZE": b"RFC822.SIZE %d",
    "MODSEQ": b"MODSEQ (%d)",
}
_BATCH = 1 << 16
_SLICE = 4096  # messages per piece of the fast path


async def fetch(
    s: ImapSession, view: SelectedView, items: list[FetchItem], uid: bool, ranges: list[range]
) -> None:
    """Send the FETCH lines of the view positions in ``ranges`` (see ``target_ranges``)."""
    table = view.folder.table
    names = [i.name for i in items]
    if uid and "UID" not in names:
        names.insert(0, "UID")
    names = list(dict.fromkeys(names))
    flag_ids = table.flag_ids()
    templates: dict[tuple[int, bool], bytes] = {}

    def template(number: int, recent: bool) -> bytes:
        flags = table.flag_set(number)
        shown = flags_bytes(flags | {RECENT} if recent else flags).replace(b"%", b"%%")
        parts = [b"FLAGS " + shown if n == "FLAGS" else _PIECES[n] for n in names]
        line = templates[number, recent] = b"* %d FETCH (" + b" ".join(parts) + b")\r\n"
        return line

    columns = [n for n in names if n != "FLAGS"]
    plain = columns in ([], ["UID"])
    recent = view.recent
    view_uids = view.uids
    table_uids = table.uids
    if plain and not recent and view_uids == table_uids:
        await _fetch_plain(
            s, table, [template(n, False) for n in range(table.flag_count())], ranges, bool(columns)
        )
        return
    out = bytearray()
    for positions in ranges:
        for i in positions:
            msg_uid = view_uids[i]
            # The view and the folder list the same uids unless an expunge is untold.
            j = i if i < len(table_uids) and table_uids[i] == msg_uid else -1
            if j < 0:
                j = bisect.bisect_left(table_uids, msg_uid)
                if j >= len(table_uids) or table_uids[j] != msg_uid:
                    continue  # expunged by another session; reported later
            key = (flag_ids[j], msg_uid in recent)
            line = templates.get(key) or template(*key)
            if plain:  # FLAGS and UID only: the common sync, without the generic path
                out += line % ((i + 1, msg_uid) if columns else (i + 1,))
            else:
                out += line % (i + 1, *[_value(table, n, j, msg_uid) for n in columns])
            if len(out) > _BATCH:
                s.send(out)
                out = bytearray()
                await s.flush_if_large()
    s.send(out)


async def _fetch_plain(
    s: ImapSession, table: MessageTable, lines: list[bytes], ranges: list[range], uid: bool
) -> None:
    """FLAGS (and UID) when the view and the folder agree and nothing is \\Recent: the
    lines are made by C-level loops (``map``), a slice of messages at a time."""
    flag_ids = table.flag_ids()
    for positions in ranges:
        for start in range(positions.start, positions.stop, _SLICE):
            stop = min(start + _SLICE, positions.stop)
            chosen = map(lines.__getitem__, flag_ids[start:stop])
            seqs = range(start + 1, stop + 1)
            values = zip(seqs, table.uids[start:stop], strict=True) if uid else zip(seqs)
            s.send(b"".join(map(bytes.__mod__, chosen, values)))
            await s.flush_if_large()


def _value(table: MessageTable, name: str, position: int, uid: int) -> int:
    if name == "UID":
        return uid
    if name == "RFC822.SIZE":
        return table.size_at(position)
    return table.modseq_at(position)
