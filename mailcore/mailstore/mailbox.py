"""A user's mailbox (all folders) and the process-wide store of open mailboxes.

The API is protocol-neutral so the IMAP server and the webmail share it:
list/create/delete/rename folders, open a ``Folder`` (messages, flags, append,
copy, move, expunge). Objects are shared by every session of the same user in
this process, which is what makes their changes visible to each other.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore import names
from mailcore.mailstore.folder import Folder
from mailcore.mailstore.index import FolderRow, Index


class FolderError(Exception):
    """A folder operation that cannot be done (message shown to the client)."""


class NoSuchFolder(FolderError):
    """The folder does not exist."""

    def __init__(self, name: str) -> None:
        super().__init__(f"mailbox {name!r} does not exist")


class FolderExists(FolderError):
    """The folder already exists."""

    def __init__(self, name: str) -> None:
        super().__init__(f"mailbox {name!r} already exists")


@dataclass(frozen=True)
class FolderInfo:
    """A folder as listed: name, special use, subscription, children."""

    name: str
    special_use: str
    subscribed: bool
    has_children: bool


class Mailbox:
    """One user's Maildir++ tree and its index."""

    def __init__(self, root: Path) -> None:
        self.root = root
        maildir.make_maildir(root)
        self._index = Index(root)
        self._rows = self._index.folders()
        self._subscribed = self._index.subscriptions()
        self._open: dict[str, Folder] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        for name in (names.INBOX, *names.SPECIAL_USE):
            if not self._path(name).exists() or name not in self._rows:
                # The folders the server makes itself start subscribed, so a client
                # showing only subscribed folders shows them; CREATE subscribes nothing.
                if name not in self._rows:
                    self.subscribe(name, True, must_exist=False)
                self._create(name)

    def close(self) -> None:
        """Close the index."""
        self._index.close()

    def _path(self, name: str) -> Path:
        return self.root / names.to_dirname(name)

    def _on_disk(self) -> list[str]:
        found = [names.INBOX]
        for entry in os.listdir(self.root):
            name = names.from_dirname(entry)
            if name is not None and (self.root / entry / "cur").is_dir():
                found.append(name)
        return found

    def folder_names(self) -> list[str]:
        """Every folder name, INBOX first then sorted."""
        return [names.INBOX, *sorted(n for n in self._on_disk() if n != names.INBOX)]

    def list_folders(self) -> list[FolderInfo]:
        """Every folder with its attributes."""
        all_names = self.folder_names()
        prefixes = {n.rsplit(names.DELIMITER, 1)[0] for n in all_names if names.DELIMITER in n}
        return [
            FolderInfo(n, names.SPECIAL_USE.get(n, ""), n in self._subscribed, n in prefixes)
            for n in all_names
        ]

    def subscriptions(self) -> set[str]:
        """The subscribed names, including those of folders deleted since."""
        return set(self._subscribed)

    def exists(self, name: str) -> bool:
        """Whether folder ``name`` exists."""
        name = names.normalize(name)
        return name == names.INBOX or (self._path(name) / "cur").is_dir()

    def folder(self, name: str) -> Folder:
        """The open folder ``name``, synced with the disk (blocking: see ``open``).

        Raises:
            NoSuchFolder: when it does not exist.
            names.FolderNameError: for an invalid name.
        """
        name = names.normalize(name)
        f = self._open.get(name)
        if f is None:
            if not self.exists(name):
                raise NoSuchFolder(name)
            row = self._rows.get(name) or self._new_row(name)
            f = Folder(name, self._path(name), row, self._index)
            self._open[name] = f
        f.sync()
        return f

    async def open(self, name: str) -> Folder:
        """``folder(name)`` for the event loop: loading the index rows and scanning the
        files run in worker threads, so other sessions are served meanwhile.

        The folder stays open (in memory) for every later session of this user.

        Raises:
            NoSuchFolder: when it does not exist.
            names.FolderNameError: for an invalid name.
        """
        name = names.normalize(name)
        f = self._open.get(name)
        if f is None:
            lock = self._loading.setdefault(name, asyncio.Lock())
            async with lock:
                f = self._open.get(name)
                if f is None:
                    if not self.exists(name):
                        raise NoSuchFolder(name)
                    row = self._rows.get(name) or self._new_row(name)
                    rows = await asyncio.to_thread(self._index.messages, name)
                    # A blocking folder() call may have opened it meanwhile: keep that one.
                    f = self._open.get(name)
                    if f is None:
                        f = Folder(name, self._path(name), row, self._index, rows)
                        self._open[name] = f
        await f.refresh()
        return f

    def _new_row(self, name: str) -> FolderRow:
        # UIDVALIDITY from the clock through the index's persistent counter: strictly
        # increasing, so a name deleted and re-created in the same second (or after a
        # restart) never gets the old value back.
        row = FolderRow(name, self._index.next_uidvalidity(int(time.time())), 1, 1)
        self._rows[name] = row
        self._index.save_folder(row)
        return row

    def _create(self, name: str) -> None:
        path = self._path(name)
        maildir.make_maildir(path)  # 0700, with the maildirfolder marker for ``.Name``
        if name not in self._rows:
            self._new_row(name)

    def create(self, name: str) -> None:
        """Create folder ``name`` (and missing parents).

        Raises:
            FolderError: if it exists.
        """
        name = names.normalize(name.rstrip(names.DELIMITER))
        if self.exists(name):
            raise FolderExists(name)
        parts = name.split(names.DELIMITER)
        for i in range(1, len(parts)):
            parent = names.DELIMITER.join(parts[:i])
            if not self.exists(parent):
                self._create(parent)
        self._create(name)

    def delete(self, name: str) -> Path:
        """Delete folder ``name`` and its messages (not INBOX).

        A folder with children loses its messages and becomes a ``\\Noselect`` name
        above them (RFC 3501 6.3.4, as Dovecot): Maildir++ keeps each child in a
        directory of its own, so removing the parent's directory leaves them intact.

        Returns:
            The removed directory, so callers can drop what they cached about it.
        """
        name = names.normalize(name)
        if name == names.INBOX:
            raise FolderError("INBOX cannot be deleted")
        if not self.exists(name):
            raise NoSuchFolder(name)
        self._open.pop(name, None)
        path = self._path(name)
        shutil.rmtree(path)
        self._rows.pop(name, None)
        self._index.delete_folder(name)
        return path

    def rename(self, old: str, new: str) -> None:
        """Rename a folder and its children.

        Renaming INBOX moves its messages into a new folder ``new`` and leaves
        INBOX empty, its subfolders untouched (RFC 3501 6.3.5).

        Raises:
            NoSuchFolder: ``old`` does not exist.
            FolderExists: ``new`` exists.
        """
        old, new = names.normalize(old), names.normalize(new)
        if not self.exists(old):
            raise NoSuchFolder(old)
        if self.exists(new):
            raise FolderExists(new)
        if old == names.INBOX:
            self.create(new)
            inbox = self.folder(names.INBOX)
            inbox.move_to(list(inbox.uids), self.folder(new))
            return
        moves = [n for n in self.folder_names() if n == old or n.startswith(old + names.DELIMITER)]
        parts = new.split(names.DELIMITER)
        for i in range(1, len(parts)):
            parent = names.DELIMITER.join(parts[:i])
            if not self.exists(parent):
                self._create(parent)
        for n in moves:
            target = new + n[len(old) :]
            self._open.pop(n, None)
            os.rename(self._path(n), self._path(target))
            row = self._rows.pop(n, None)
            if row is not None:
                row.name = target
                self._rows[target] = row
            self._index.rename_folder(n, target)

    def subscribe(self, name: str, subscribed: bool, must_exist: bool = True) -> None:
        """Add ``name`` to the subscription list or remove it.

        The list is kept apart from the folders: DELETE and RENAME leave it alone
        (RFC 3501 6.3.6: the server MUST NOT remove a name unilaterally), and a
        name can be unsubscribed after its folder is gone. Like Dovecot, only an
        existing folder can be subscribed (unless ``must_exist`` is False).

        Raises:
            NoSuchFolder: subscribing a folder that does not exist.
        """
        name = names.normalize(name)
        if subscribed and must_exist and not self.exists(name):
            raise NoSuchFolder(name)
        self._index.set_subscribed(name, subscribed)
        if subscribed:
            self._subscribed.add(name)
        else:
            self._subscribed.discard(name)


class MailStore:
    """Open mailboxes by address, rooted at ``DataPaths.maildirs`` (``<domain>/<local>``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._boxes: dict[str, Mailbox] = {}

    def mailbox(self, address: str) -> Mailbox:
        """The (shared) mailbox of ``address``, created on first use."""
        address = address.lower()
        box = self._boxes.get(address)
        if box is None:
            local, _, domain = address.rpartition("@")
            if not local or not domain or "/" in address or address.startswith("."):
                raise FolderError(f"invalid mailbox address {address!r}")
            box = Mailbox(self.root / domain / local)
            self._boxes[address] = box
        return box

    def close(self) -> None:
        """Close every index."""
        for box in self._boxes.values():
            box.close()
        self._boxes.clear()
