"""Commands on the selected folder: FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, CLOSE,
UNSELECT (and their UID forms)."""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from mailcore.imap import fetch_index, search
from mailcore.imap.binary import UnknownCte
from mailcore.imap.commands import Command
from mailcore.imap.errors import Bad, No
from mailcore.imap.esearch import esearch_line
from mailcore.imap.fetch import fetch_response, sets_seen
from mailcore.imap.grammar import FetchItem, SearchKey
from mailcore.imap.mailbox_cmds import check_flags, open_folder
from mailcore.imap.qresync import vanished_since
from mailcore.imap.selected import SelectedView

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession

_CHARSETS = {"", "UTF-8", "US-ASCII"}


def _view(s: ImapSession) -> SelectedView:
    assert s.selected is not None
    return s.selected


def target_ranges(s: ImapSession, cmd: Command) -> list[range]:
    """The positions in the view's uid list addressed by the command's sequence set,
    as sorted, disjoint ranges (a big ``1:*`` is one range, never a list).

    Raises:
        Bad: a message sequence number above the number of messages.
    """
    view = _view(s)
    assert cmd.seqset is not None
    uids = view.uids
    if cmd.uid:
        largest = uids[-1] if uids else 0
        return [
            range(bisect.bisect_left(uids, lo), bisect.bisect_right(uids, hi))
            for lo, hi in cmd.seqset.spans(largest)
        ]
    n = len(uids)
    for lo_raw, hi_raw in cmd.seqset.ranges:
        for v in (lo_raw, hi_raw):
            if v is not None and v > n:
                raise Bad(f"invalid message sequence number {v} (mailbox has {n})")
    return [range(lo - 1, hi) for lo, hi in cmd.seqset.spans(n)]


def targets(s: ImapSession, cmd: Command) -> list[tuple[int, int]]:
    """(seq, uid) pairs addressed by the command's sequence set."""
    uids = _view(s).uids
    return [(i + 1, uids[i]) for r in target_ranges(s, cmd) for i in r]


async def cmd_fetch(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """FETCH / UID FETCH."""
    view = _view(s)
    folder = view.folder
    mark_seen = sets_seen(cmd.fetch) and not view.readonly
    items = cmd.fetch
    if cmd.modseq is not None or any(i.name == "MODSEQ" for i in items):
        s.enable_condstore()
    if cmd.items:  # (CHANGEDSINCE n VANISHED): RFC 7162 3.2.6, UID FETCH after ENABLE only
        if not (cmd.uid and s.qresync):
            raise Bad("VANISHED needs UID FETCH and ENABLE QRESYNC")
        assert cmd.seqset is not None and cmd.modseq is not None
        s.send(vanished_since(view, cmd.modseq, cmd.seqset))
    if (
        s.condstore
        and all(i.name != "MODSEQ" for i in items)
        and (cmd.modseq is not None or mark_seen)
    ):
        items = [*items, FetchItem("MODSEQ")]
    if cmd.modseq is None and all(i.name in fetch_index.ITEMS for i in items):
        await fetch_index.fetch(s, view, items, cmd.uid, target_ranges(s, cmd))
        return f"{'UID ' if cmd.uid else ''}FETCH completed", ""
    failed = 0
    own: list[int] = []
    for seq, uid in targets(s, cmd):
        rec = folder.by_uid.get(uid)
        if rec is None:
            continue  # expunged by another session; reported later
        if cmd.modseq is not None and rec.modseq <= cmd.modseq:
            continue  # CHANGEDSINCE: unchanged
        changed = False
        if mark_seen and "\\Seen" not in rec.flags:
            stored = folder.store_flags([uid], ["\\Seen"], "add")
            changed = bool(stored)
            rec = stored[0] if stored else rec  # records are copies: take the new flags
            own.append(uid)
        try:
            pieces = fetch_response(
                seq, rec, folder, items, s.cache, cmd.uid, changed, view.flags(rec)
            )
        except OSError:
            failed += 1
        except UnknownCte:
            raise No("unknown Content-Transfer-Encoding", "UNKNOWN-CTE") from None
        else:
            await s.send_pieces(pieces)
        await s.flush_if_large()
    if own:  # our own \Seen changes were reported in the FETCH lines themselves
        for line in view.updates(allow_expunge=False, exclude=own):
            s.send(line)
    if failed:
        raise No(f"{failed} message(s) could not be read", "SERVERBUG")
    return f"{'UID ' if cmd.uid else ''}FETCH completed", ""


async def cmd_store(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """STORE / UID STORE (+FLAGS, -FLAGS, FLAGS, .SILENT)."""
    view = _view(s)
    if view.readonly:
        raise No("mailbox is read-only")
    flags = check_flags(cmd.flags)
    pairs = targets(s, cmd)
    folder = view.folder
    modified: list[int] = []
    if cmd.modseq is not None:  # CONDSTORE UNCHANGEDSINCE: skip what changed since
        s.enable_condstore()
        limit = cmd.modseq
        modified = [
            u if cmd.uid else q
            for q, u in pairs
            if u in folder.by_uid and folder.by_uid[u].modseq > limit
        ]
        pairs = [
            (q, u) for q, u in pairs if u in folder.by_uid and folder.by_uid[u].modseq <= limit
        ]
    before = {u: folder.by_uid[u].modseq for _, u in pairs if u in folder.by_uid}
    folder.store_flags([u for _, u in pairs], flags, cmd.store_mode)
    own = [u for _, u in pairs]
    for line in view.updates(allow_expunge=False, exclude=own):
        s.send(line)
    for seq, uid in pairs:
        rec = folder.by_uid.get(uid)
        # .SILENT still reports a new MODSEQ to a CONDSTORE client (RFC 7162 3.1.3; as
        # Dovecot): its cache must learn the mod-sequence of its own change
        changed = rec is not None and rec.modseq != before.get(uid)
        if rec is None or (cmd.silent and not (s.condstore and changed)):
            continue
        items = [b"UID %d" % uid] if cmd.uid else []
        if not cmd.silent:
            items.append(b"FLAGS " + view.flags(rec))
        if s.condstore:
            items.append(b"MODSEQ (%d)" % rec.modseq)
        s.send(b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items)))
    code = f"MODIFIED {_set(modified)}" if modified else ""
    return f"{'UID ' if cmd.uid else ''}STORE completed", code


def check_charset(cmd: Command) -> None:
    """SEARCH/SORT CHARSET: only UTF-8 and US-ASCII (RFC 3501 6.4.4, RFC 5256 3)."""
    if cmd.charset not in _CHARSETS:
        raise No(f"charset {cmd.charset} is not supported", "BADCHARSET (UTF-8 US-ASCII)")


def search_matches(s: ImapSession, key: SearchKey) -> list[search.Candidate]:
    """The messages of the selected folder that satisfy ``key``, in mailbox order."""
    view = _view(s)
    folder = view.folder
    max_seq = len(view.uids)
    max_uid = view.uids[-1] if view.uids else 0
    found: list[search.Candidate] = []
    for seq, uid in enumerate(view.uids, 1):
        rec = folder.by_uid.get(uid)
        if rec is None:
            continue
        cand = search.Candidate(
            seq,
            rec,
            max_seq,
            max_uid,
            functools.partial(s.cache.get, folder, rec),
            functools.partial(folder.file, uid),
            uid in view.recent,
            functools.partial(s.cache.header, folder, rec),
            functools.partial(s.cache.head, folder, rec),
        )
        try:
            if search.matches(key, cand):
                found.append(cand)
        except OSError:
            continue
    return found


async def cmd_search(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """SEARCH / UID SEARCH."""
    check_charset(cmd)
    assert cmd.search is not None
    found = [c.rec.uid if cmd.uid else c.seq for c in search_matches(s, cmd.search)]
    tail = b""
    modseq_of: Callable[[int], int] | None = None
    if uses_modseq(cmd.search):
        s.enable_condstore()
        view = _view(s)

        def modseq_of(n: int) -> int:
            return view.folder.by_uid[n if cmd.uid else view.uids[n - 1]].modseq

        tail = modseq_tail(s, cmd, found)
    if cmd.search_return is not None:
        s.send(esearch_line(cmd.tag, cmd.uid, cmd.search_return, found, modseq_of))
        return f"{'UID ' if cmd.uid else ''}SEARCH completed", ""
    s.send(b"* SEARCH" + b"".join(b" %d" % n for n in found) + tail + b"\r\n")
    return f"{'UID ' if cmd.uid else ''}SEARCH completed", ""


def modseq_tail(s: ImapSession, cmd: Command, found: list[int]) -> bytes:
    """RFC 7162 3.1.5: `` (MODSEQ n)``, the highest mod-sequence of the results."""
    view = _view(s)
    if not found:
        return b""
    top = max(view.folder.by_uid[u if cmd.uid else view.uids[u - 1]].modseq for u in found)
    return b" (MODSEQ %d)" % top


def uses_modseq(key: SearchKey) -> bool:
    """Whether a search program has a MODSEQ key (it enables CONDSTORE, RFC 7162 3.1)."""
    return key.op == "MODSEQ" or any(isinstance(a, SearchKey) and uses_modseq(a) for a in key.args)


async def cmd_copy(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """COPY / MOVE and their UID forms (UIDPLUS COPYUID)."""
    view = _view(s)
    if cmd.name == "MOVE" and view.readonly:
        raise No("mailbox is read-only")
    dest = await open_folder(s, cmd.mailbox, create_hint=True)
    uids = [u for _, u in targets(s, cmd) if u in view.folder.by_uid]
    if not uids:
        return f"{cmd.name} completed (no messages)", ""
    try:
        if cmd.name == "MOVE":
            pairs = (
                view.folder.move_to(uids, dest)
                if dest is not view.folder
                else _move_into_self(view, uids)
            )
        else:
            pairs = view.folder.copy_to(uids, dest)
    except OSError as exc:
        raise No(f"{cmd.name} failed: {exc.strerror or exc}") from None
    code = f"COPYUID {dest.uidvalidity} {_set(p[0] for p in pairs)} {_set(p[1] for p in pairs)}"
    if cmd.name == "MOVE":
        s.send(f"* OK [{code}] moved\r\n".encode())
        return "MOVE completed", _highestmodseq(s, view)
    return "COPY completed", code


def _highestmodseq(s: ImapSession, view: SelectedView) -> str:
    """``HIGHESTMODSEQ n`` for the tagged OK of an expunging command in a QRESYNC session
    (RFC 7162, as Dovecot): the client learns the new value after its expunge. It is
    read before the updates are flushed, so it never runs ahead of what is told."""
    return f"HIGHESTMODSEQ {view.folder.modseq}" if s.qresync else ""


def _move_into_self(view: SelectedView, uids: list[int]) -> list[tuple[int, int]]:
    """MOVE into the selected folder: a copy then an expunge of the originals."""
    pairs = view.folder.copy_to(uids, view.folder)
    view.folder.remove(uids)
    return pairs


def _set(values: Iterable[int]) -> str:
    return ",".join(str(v) for v in values)


async def cmd_expunge(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """EXPUNGE / UID EXPUNGE."""
    view = _view(s)
    if view.readonly:
        raise No("mailbox is read-only")
    only = [u for _, u in targets(s, cmd)] if cmd.uid else None
    view.folder.expunge(only)
    return "EXPUNGE completed", _highestmodseq(s, view)


async def cmd_close(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """CLOSE (silent expunge unless read-only) / UNSELECT."""
    view = _view(s)
    if cmd.name == "CLOSE" and not view.readonly:
        view.folder.expunge()
    s.select(None)
    return f"{cmd.name} completed", ""


HANDLERS: dict[str, Handler] = {
    "FETCH": cmd_fetch,
    "STORE": cmd_store,
    "SEARCH": cmd_search,
    "COPY": cmd_copy,
    "MOVE": cmd_copy,
    "EXPUNGE": cmd_expunge,
    "CLOSE": cmd_close,
    "UNSELECT": cmd_close,
}
