"""SORT / UID SORT (RFC 5256, with RFC 5957 DISPLAYFROM/DISPLAYTO).

The messages are chosen by the SEARCH evaluator (``message_cmds.search_matches``)
and ordered by ``mailcore.imap.sort``; the answer is ``* SORT`` with sequence
numbers or UIDs, plus ``(MODSEQ n)`` when the search used MODSEQ (RFC 7162 3.1.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailcore.imap.commands import Command
from mailcore.imap.message_cmds import check_charset, modseq_tail, search_matches, uses_modseq
from mailcore.imap.sort import sort_messages

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession


async def cmd_sort(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """SORT / UID SORT."""
    check_charset(cmd)
    assert cmd.search is not None
    ordered = sort_messages(search_matches(s, cmd.search), cmd.sort)
    found = [c.rec.uid if cmd.uid else c.seq for c in ordered]
    tail = b""
    if uses_modseq(cmd.search):
        s.enable_condstore()
        tail = modseq_tail(s, cmd, found)
    s.send(b"* SORT" + b"".join(b" %d" % n for n in found) + tail + b"\r\n")
    return f"{'UID ' if cmd.uid else ''}SORT completed", ""


HANDLERS: dict[str, Handler] = {"SORT": cmd_sort}
