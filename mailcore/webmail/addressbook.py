"""The address book: the people a user writes to and hears from, for completion in To/Cc.

Built from the mail itself, nothing to maintain: the recipients (To, Cc) of
the last ``SCAN`` messages in Sent and the senders of the last ``SCAN`` in
INBOX, most frequent first. Header blocks are read in a worker thread; the
result is kept per user until either folder changes (its message count or
its last uid).
"""

from __future__ import annotations

import asyncio
import email.utils
from collections import Counter
from pathlib import Path

from mailcore.mailstore import INBOX, Folder, FolderError, FolderNameError, MailStore
from mailcore.mailstore.summary import clean, decode_words
from mailcore.mime import read_header_block

SCAN = 500  # messages read per folder
MAX_CONTACTS = 300  # offered in the page's <datalist>
_SENT = "Sent"


def _addresses(path: Path, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, address) pairs of header ``fields`` in the message file at ``path``."""
    try:
        with open(path, "rb") as f:
            block = read_header_block(f).decode("utf-8", "replace")
    except OSError:
        return []
    msg = email.message_from_string(block + "\n\n")
    values = [str(v) for name in fields for v in msg.get_all(name, [])]
    return [(clean(decode_words(n)), clean(a).lower()) for n, a in email.utils.getaddresses(values)]


def _collect(sources: list[tuple[Path, tuple[str, ...]]], own: str) -> list[str]:
    """``Name <address>`` lines, most seen first (blocking)."""
    seen: Counter[str] = Counter()
    names: dict[str, str] = {}
    for path, fields in sources:
        for name, address in _addresses(path, fields):
            if "@" not in address or address == own:
                continue
            seen[address] += 1
            if name and address not in names:
                names[address] = name
    return [
        email.utils.formataddr((names.get(a, ""), a)) for a, _ in seen.most_common(MAX_CONTACTS)
    ]


class AddressBook:
    """Each user's contacts, rebuilt when their INBOX or Sent changed."""

    def __init__(self, store: MailStore) -> None:
        """Read through ``store`` (the one the webmail and IMAP share)."""
        self.store = store
        self._cache: dict[str, tuple[tuple[int, ...], list[str]]] = {}

    async def contacts(self, address: str) -> list[str]:
        """``Name <address>`` of the people ``address`` writes to or hears from."""
        box = self.store.mailbox(address)
        sources: list[tuple[Path, tuple[str, ...]]] = []
        key: list[int] = []
        for name, fields in ((_SENT, ("to", "cc")), (INBOX, ("from",))):
            try:
                folder: Folder = await box.open(name)
            except (FolderError, FolderNameError):
                continue
            records = folder.messages[max(0, len(folder.messages) - SCAN) :]
            key += [len(folder.messages), records[-1].uid if records else 0]
            sources += [(folder.path / m.path, fields) for m in records]
        cached = self._cache.get(address)
        if cached is not None and cached[0] == tuple(key):
            return cached[1]
        found = await asyncio.to_thread(_collect, sources, address.lower())
        self._cache[address] = (tuple(key), found)
        return found
