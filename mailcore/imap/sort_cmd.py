"""SORT and THREAD and their UID forms (RFC 5256, with RFC 5957 DISPLAYFROM/DISPLAYTO).

The messages are chosen by the SEARCH evaluator (``message_cmds.search_matches``)
and ordered by ``mailcore.imap.sort`` or threaded by ``mailcore.imap.thread``; the
answer is ``* SORT`` with sequence numbers or UIDs, plus ``(MODSEQ n)`` when the
search used MODSEQ (RFC 7162 3.1.5), or ``* THREAD`` with the thread lists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mailcore.imap import thread
from mailcore.imap.commands import Command
from mailcore.imap.message_cmds import check_charset, modseq_tail, search_matches, uses_modseq
from mailcore.imap.search import Candidate
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


async def cmd_thread(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """THREAD / UID THREAD (ORDEREDSUBJECT or REFERENCES)."""
    check_charset(cmd)
    assert cmd.search is not None
    found = search_matches(s, cmd.search)
    build = thread.references if cmd.mechanism == "REFERENCES" else thread.ordered_subject
    number = _uid if cmd.uid else _seq
    data = thread.render(build(found), number)
    # thread-data = "THREAD" [SP 1*thread-list] (RFC 5256 4): no space when empty
    s.send(b"* THREAD" + (b" " + data if data else b"") + b"\r\n")
    return f"{'UID ' if cmd.uid else ''}THREAD completed", ""


def _uid(c: Candidate) -> int:
    return c.rec.uid


def _seq(c: Candidate) -> int:
    return c.seq


HANDLERS: dict[str, Handler] = {"SORT": cmd_sort, "THREAD": cmd_thread}
