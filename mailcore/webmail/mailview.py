"""What the webmail shows of a mailbox: folder lists, message summaries, paging, search.

A thin adapter over ``mailcore.mailstore`` (shared with IMAP, so ``\\Seen``
marks and moves are seen by both). The store's index has no headers, so the
sender/subject/date of each message are read from the first header block of
its file once and cached by (folder, UIDVALIDITY, uid), which never changes
for a given message.
"""

from __future__ import annotations

import email.utils
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailcore.mailstore import INBOX, SPECIAL_USE, Folder, MailStore
from mailcore.webmail.mime_scan import read_header_block

_CACHE_SIZE = 50_000
SEEN = "\\Seen"
# The order folders are shown in; user folders follow, sorted.
STANDARD = (INBOX, "Drafts", "Sent", "Junk", "Trash", "Archive")


@dataclass(frozen=True)
class Summary:
    """One line of the message list."""

    uid: int
    sender: str
    sender_address: str
    subject: str
    date: str
    size: int
    seen: bool
    multipart_mixed: bool


@dataclass(frozen=True)
class FolderLine:
    """One folder in the side bar."""

    name: str
    label: str
    unseen: int
    special: bool


@dataclass(frozen=True)
class _Head:
    sender: str
    sender_address: str
    subject: str
    date: str
    multipart_mixed: bool


def _clean(value: str) -> str:
    """A header value made safe to show: no control characters, bounded."""
    return "".join(c if c.isprintable() else " " for c in value)[:300]


def read_head(path: Path) -> _Head:
    """The list-relevant headers of the message file at ``path``."""
    from email.parser import BytesHeaderParser
    from email.policy import default

    with open(path, "rb") as f:
        block, _ = read_header_block(f, 0)
    msg = BytesHeaderParser(policy=default).parsebytes(block)

    def get(name: str) -> str:
        try:
            return _clean(str(msg.get(name, "")))
        except (ValueError, LookupError, TypeError, AttributeError):
            raw = msg.get_all(name, failobj=[""])[0]
            return _clean(str(raw))

    name, address = email.utils.parseaddr(get("from"))
    date = get("date")
    try:
        when = email.utils.parsedate_to_datetime(date)
        shown = when.strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError, IndexError):
        shown = date[:16]
    ctype = get("content-type").lower()
    return _Head(name or address, address, get("subject") or "(no subject)", shown,
                 ctype.startswith("multipart/mixed"))


class MailView:
    """The webmail's reading side of ``MailStore`` for one process."""

    def __init__(self, store: MailStore) -> None:
        """Read through ``store`` (the instance IMAP also uses)."""
        self.store = store
        self._heads: OrderedDict[tuple[str, str, int, int], _Head] = OrderedDict()

    def folders(self, address: str) -> list[FolderLine]:
        """Standard folders first, then the user's own, with unread counts."""
        box = self.store.mailbox(address)
        names = box.folder_names()
        ordered = [n for n in STANDARD if n in names] + [n for n in names if n not in STANDARD]
        lines = []
        for n in ordered:
            label = "Inbox" if n == INBOX else n
            lines.append(FolderLine(n, label, box.folder(n).unseen(),
                                    n == INBOX or n in SPECIAL_USE))
        return lines

    def folder(self, address: str, name: str) -> Folder:
        """The synced folder (raises ``FolderError``/``FolderNameError``)."""
        return self.store.mailbox(address).folder(name)

    def head(self, address: str, folder: Folder, uid: int) -> _Head:
        """Cached list headers of message ``uid``."""
        key = (address, folder.name, folder.uidvalidity, uid)
        head = self._heads.get(key)
        if head is None:
            try:
                head = read_head(folder.file(uid))
            except OSError:
                head = _Head("", "", "(message unavailable)", "", False)
            self._heads[key] = head
            if len(self._heads) > _CACHE_SIZE:
                self._heads.popitem(last=False)
        else:
            self._heads.move_to_end(key)
        return head

    def page(self, address: str, name: str, page: int, size: int,
             query: str = "") -> tuple[list[Summary], int]:
        """Newest-first summaries of one page, and the number of pages.

        ``query`` keeps only messages whose sender or subject contains it
        (case-insensitive).
        """
        folder = self.folder(address, name)
        records = list(reversed(folder.messages))
        needle = query.strip().lower()
        if needle:
            records = [m for m in records if _matches(self.head(address, folder, m.uid), needle)]
        pages = max(1, (len(records) + size - 1) // size)
        page = min(max(1, page), pages)
        chosen = records[(page - 1) * size: page * size]
        out = []
        for m in chosen:
            h = self.head(address, folder, m.uid)
            out.append(Summary(m.uid, h.sender, h.sender_address, h.subject, h.date, m.size,
                               SEEN in m.flags, h.multipart_mixed))
        return out, pages

    def set_seen(self, address: str, name: str, uids: list[int], seen: bool) -> None:
        """Mark messages read or unread (visible to IMAP sessions at once)."""
        self.folder(address, name).store_flags(uids, [SEEN], "add" if seen else "remove")

    def move(self, address: str, name: str, uids: list[int], dest: str) -> None:
        """Move messages to folder ``dest``."""
        box = self.store.mailbox(address)
        if dest == name:
            return
        box.folder(name).move_to(uids, box.folder(dest))

    def delete(self, address: str, name: str, uids: list[int]) -> None:
        """Move to Trash; in Trash (or Junk), delete for good."""
        if name in ("Trash", "Junk"):
            self.folder(address, name).remove(uids)
        else:
            self.move(address, name, uids, "Trash")


def _matches(head: _Head, needle: str) -> bool:
    return (needle in head.sender.lower() or needle in head.sender_address.lower()
            or needle in head.subject.lower())


def format_size(size: int) -> str:
    """A human size: 512 B, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def now_header_date() -> str:
    """An RFC 5322 ``Date:`` for now (local time)."""
    return email.utils.format_datetime(datetime.now().astimezone())
