"""What the webmail shows of a mailbox: folder lists, message summaries, paging, search.

A thin adapter over ``mailcore.mailstore`` (shared with IMAP, so ``\\Seen``
marks and moves are seen by both). The store's index has no headers, so the
sender/subject/date of each message are read from the first header block of
its file once and cached by (folder, UIDVALIDITY, uid), which never changes
for a given message.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailcore.mailstore import (
    INBOX,
    SPECIAL_USE,
    Folder,
    FolderError,
    MailStore,
    MessageHead,
    MessageRecord,
    parse_head,
)
from mailcore.mime import read_header_block

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


def read_head(path: Path) -> MessageHead:
    """The list-relevant headers of the message file at ``path``."""
    with open(path, "rb") as f:
        return parse_head(read_header_block(f))


_UNAVAILABLE = MessageHead("", "", "(message unavailable)", "", False)


def _read_heads(folder: Path, wanted: list[tuple[int, str]]) -> dict[int, MessageHead]:
    """``read_head`` of each (uid, path in folder); blocking, run in a worker thread.

    A file that cannot be read (renamed by a flag change meanwhile, or gone) is
    left out, so the caller shows it as unavailable without caching that.
    """
    heads: dict[int, MessageHead] = {}
    for uid, path in wanted:
        try:
            heads[uid] = read_head(folder / path)
        except OSError:
            continue
    return heads


class MailView:
    """The webmail's reading side of ``MailStore`` for one process.

    Every method is a coroutine: folders are opened with ``Mailbox.open`` (the
    first open of a big folder indexes it in worker threads), and message files
    are read in worker threads, so one user's big folder never stalls the
    other clients of the process. Changes (flags, moves) stay on the loop:
    they touch only the messages chosen on one page.
    """

    def __init__(self, store: MailStore) -> None:
        """Read through ``store`` (the instance IMAP also uses)."""
        self.store = store
        self._heads: OrderedDict[tuple[str, str, int, int], MessageHead] = OrderedDict()

    async def folder(self, address: str, name: str) -> Folder:
        """The open, refreshed folder (raises ``FolderError``/``FolderNameError``)."""
        return await self.store.mailbox(address).open(name)

    async def folders(self, address: str) -> list[FolderLine]:
        """Standard folders first, then the user's own, with unread counts."""
        box = self.store.mailbox(address)
        names = box.folder_names()
        ordered = [n for n in STANDARD if n in names] + [n for n in names if n not in STANDARD]
        lines = []
        for n in ordered:
            label = "Inbox" if n == INBOX else n
            try:
                unseen = (await box.open(n)).unseen()
            except FolderError:
                continue  # deleted (by an IMAP session) while the others were opened
            lines.append(FolderLine(n, label, unseen, n == INBOX or n in SPECIAL_USE))
        return lines

    async def heads(
        self, address: str, folder: Folder, records: Sequence[MessageRecord]
    ) -> list[MessageHead]:
        """List headers of ``records`` (in order): cached, or read in a worker thread."""
        key = (address, folder.name, folder.uidvalidity)
        found: list[MessageHead | None] = []
        for m in records:
            head = self._heads.get((*key, m.uid))
            if head is not None:
                self._heads.move_to_end((*key, m.uid))
            found.append(head)
        missing = [(m.uid, m.path) for m, h in zip(records, found, strict=True) if h is None]
        if not missing:
            return [h for h in found if h is not None]
        read = await asyncio.to_thread(_read_heads, folder.path, missing)
        for uid, head in read.items():
            self._heads[(*key, uid)] = head
        while len(self._heads) > _CACHE_SIZE:
            self._heads.popitem(last=False)
        return [h or read.get(m.uid, _UNAVAILABLE) for m, h in zip(records, found, strict=True)]

    async def page(
        self, address: str, name: str, page: int, size: int, query: str = ""
    ) -> tuple[list[Summary], int]:
        """Newest-first summaries of one page, and the number of pages.

        ``query`` keeps only messages whose sender or subject contains it
        (case-insensitive); the heads of a big folder are read and matched in a
        worker thread.
        """
        folder = await self.folder(address, name)
        needle = query.strip().lower()
        if needle:
            records = folder.messages[::-1]
            heads = await self.heads(address, folder, records)
            records = await asyncio.to_thread(_matching, records, heads, needle)
            total = len(records)
        else:
            total = len(folder.messages)
        pages = max(1, (total + size - 1) // size)
        page = min(max(1, page), pages)
        if needle:
            chosen = records[(page - 1) * size : page * size]
        else:  # newest first: only the page's records are made
            chosen = folder.messages[max(0, total - page * size) : total - (page - 1) * size][::-1]
        out = []
        for m, h in zip(chosen, await self.heads(address, folder, chosen), strict=True):
            out.append(
                Summary(
                    m.uid,
                    h.sender,
                    h.sender_address,
                    h.subject,
                    h.date,
                    m.size,
                    SEEN in m.flags,
                    h.multipart_mixed,
                )
            )
        return out, pages

    async def set_seen(self, address: str, name: str, uids: list[int], seen: bool) -> None:
        """Mark messages read or unread (visible to IMAP sessions at once)."""
        folder = await self.folder(address, name)
        folder.store_flags(uids, [SEEN], "add" if seen else "remove")

    async def move(self, address: str, name: str, uids: list[int], dest: str) -> list[int]:
        """Move messages to folder ``dest``; their uids there (for an undo)."""
        if dest == name:
            return []
        source = await self.folder(address, name)
        return [new for _, new in source.move_to(uids, await self.folder(address, dest))]

    async def delete(self, address: str, name: str, uids: list[int]) -> list[int] | None:
        """Move to Trash (their uids there); in Trash (or Junk), delete for good (None)."""
        if name in ("Trash", "Junk"):
            (await self.folder(address, name)).remove(uids)
            return None
        return await self.move(address, name, uids, "Trash")


def _matching(
    records: list[MessageRecord], heads: list[MessageHead], needle: str
) -> list[MessageRecord]:
    return [m for m, h in zip(records, heads, strict=True) if _matches(h, needle)]


def _matches(head: MessageHead, needle: str) -> bool:
    return (
        needle in head.sender.lower()
        or needle in head.sender_address.lower()
        or needle in head.subject.lower()
    )


# the units and the decimal mark of each language: French writes octets and a comma
_SIZE_UNITS = {"en": ("B", "KB", "MB", "."), "fr": ("o", "Ko", "Mo", ",")}


def format_size(size: int, language: str = "en") -> str:
    """A human size in ``language``: 512 B, 12 KB, 3.4 MB; in French 512 o, 12 Ko, 3,4 Mo."""
    byte, kilo, mega, mark = _SIZE_UNITS.get(language, _SIZE_UNITS["en"])
    if size < 1024:
        return f"{size} {byte}"
    if size < 1024 * 1024:
        return f"{size // 1024} {kilo}"
    return f"{size / 1024 / 1024:.1f}".replace(".", mark) + f" {mega}"


def now_header_date() -> str:
    """An RFC 5322 ``Date:`` for now (local time)."""
    return email.utils.format_datetime(datetime.now().astimezone())
