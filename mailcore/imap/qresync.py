"""QRESYNC (RFC 7162 3.2): the SELECT parameter, the VANISHED responses, and the
``(CHANGEDSINCE n VANISHED)`` FETCH modifier. Parsing and answers only; the
expunge history they read is the folder's (``Folder.expunged_since``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailcore.imap.grammar import SeqSet, seq_set
from mailcore.imap.lexer import Cursor, ParseError
from mailcore.imap.response import vanished_line

if TYPE_CHECKING:
    from mailcore.imap.selected import SelectedView


@dataclass(frozen=True)
class QresyncParams:
    """``QRESYNC (uidvalidity modseq [known-uids [(seqs uids)]])`` of SELECT/EXAMINE."""

    uidvalidity: int
    modseq: int
    known_uids: SeqSet | None = None


def select_params(c: Cursor) -> tuple[list[str], QresyncParams | None]:
    """``(CONDSTORE)`` / ``(QRESYNC (...))`` after the mailbox name of SELECT/EXAMINE."""
    c.expect(b"(", "(")
    items: list[str] = []
    params = None
    if c.accept(b")"):
        return items, params
    while True:
        word = c.atom("select parameter").upper()
        items.append(word)
        if word == "QRESYNC":
            c.sp()
            params = _qresync(c)
        elif word != "CONDSTORE":
            raise ParseError(f"unknown SELECT parameter {word}")
        if c.accept(b")"):
            return items, params
        c.sp()


def fetch_modifier(c: Cursor) -> tuple[int, list[str]]:
    """``(CHANGEDSINCE n [VANISHED])`` of FETCH: the modseq, and ``["VANISHED"]`` if given."""
    c.expect(b"(", "(")
    if not c.accept(b"CHANGEDSINCE "):
        raise ParseError("expected CHANGEDSINCE")
    value = c.number("mod-sequence")
    vanished = ["VANISHED"] if c.accept(b" VANISHED") else []
    c.expect(b")", ")")
    return value, vanished


def _qresync(c: Cursor) -> QresyncParams:
    c.expect(b"(", "(")
    uidvalidity = c.nz_number("uidvalidity")
    c.sp()
    modseq = c.nz_number("mod-sequence")
    known = None
    if c.accept(b" "):
        if c.peek() != 0x28:
            known = seq_set(c)
            if not c.accept(b" "):
                c.expect(b")", ")")
                return QresyncParams(uidvalidity, modseq, known)
        # seq-match-data: only a hint for servers without expunge history; checked, unused
        c.expect(b"(", "(")
        seq_set(c)
        c.sp()
        seq_set(c)
        c.expect(b")", ")")
    c.expect(b")", ")")
    return QresyncParams(uidvalidity, modseq, known)


def vanished_since(view: SelectedView, modseq: int, within: SeqSet | None) -> bytes:
    """The ``VANISHED (EARLIER)`` line for uids (of ``within``) expunged after ``modseq``."""
    uidnext = view.folder.uidnext
    gone = [u for u in view.folder.expunged_since(modseq) if u < uidnext]
    if within is not None:
        gone = within.resolve(gone, uidnext - 1)
    return vanished_line(gone, earlier=True)


def resync_lines(view: SelectedView, params: QresyncParams) -> list[bytes]:
    """What SELECT (QRESYNC ...) adds: VANISHED (EARLIER), then FETCH of what changed.

    RFC 7162 3.2.5: nothing when the client's UIDVALIDITY is not the mailbox's
    (its cache is void and it must resync from scratch).
    """
    if params.uidvalidity != view.folder.uidvalidity:
        return []
    out = [vanished_since(view, params.modseq, params.known_uids)]
    known = params.known_uids
    for m in view.folder.changed_since(params.modseq):
        seq = view.seq_of(m.uid)
        # known-uids: only those messages' changes are reported (RFC 7162 3.2.5, Dovecot)
        if seq and (known is None or known.resolve([m.uid], view.folder.uidnext - 1)):
            out.append(
                b"* %d FETCH (UID %d FLAGS %s MODSEQ (%d))\r\n"
                % (seq, m.uid, view.flags(m), m.modseq)
            )
    return [line for line in out if line]
