"""Mailbox-level commands: SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE,
STATUS, APPEND, NAMESPACE (LIST/LSUB live in ``list_cmd``)."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from mailcore.imap.binary import holds_nul
from mailcore.imap.commands import Command
from mailcore.imap.errors import Bad, No
from mailcore.imap.qresync import resync_lines
from mailcore.imap.response import quote_mailbox, sequence_set
from mailcore.imap.selected import SelectedView
from mailcore.maildir import SYSTEM_FLAGS
from mailcore.mailstore import (
    DELIMITER,
    INBOX,
    Folder,
    FolderError,
    FolderExists,
    FolderNameError,
    Mailbox,
    NewMessage,
    NoSuchFolder,
)
from mailcore.mailstore.names import mutf7_decode, mutf7_encode

if TYPE_CHECKING:
    from mailcore.imap.session import Handler, ImapSession

_ATOM_OK = re.compile(r"^[!#$&'+,\-./0-9:;<=>?@A-Z^_`a-z|~]+$")


def mailbox_name(wire: str) -> bytes:
    """A mailbox name as an atom when it can be one, else quoted."""
    return wire.encode() if _ATOM_OK.match(wire) and wire.upper() != "NIL" else quote_mailbox(wire)


def store_name(wire: str) -> str:
    """Decode a wire (modified UTF-7) mailbox name; NO for invalid ones."""
    try:
        name = mutf7_decode(wire)
    except FolderNameError as exc:
        raise No(str(exc), "CANNOT") from None
    return INBOX if name.upper() == INBOX else name


async def open_folder(s: ImapSession, wire: str, create_hint: bool = False) -> Folder:
    """The folder named ``wire`` for the logged-in user (loaded and synced off the loop)."""
    box = _box(s)
    try:
        return await box.open(store_name(wire))
    except FolderError as exc:
        raise No(str(exc), "TRYCREATE" if create_hint else "NONEXISTENT") from None
    except FolderNameError as exc:
        raise No(str(exc), "CANNOT") from None


def folder_error(exc: FolderError | FolderNameError) -> No:
    """The NO for a failed folder operation, with its RFC 5530 response code."""
    if isinstance(exc, NoSuchFolder):
        return No(str(exc), "NONEXISTENT")
    if isinstance(exc, FolderExists):
        return No(str(exc), "ALREADYEXISTS")
    if isinstance(exc, FolderNameError):
        return No(str(exc), "CANNOT")
    return No(str(exc))


def _box(s: ImapSession) -> Mailbox:
    assert s.mailbox is not None
    return s.mailbox


def check_flags(flags: list[str]) -> list[str]:
    """Flags a client may set: system flags and keywords (not ``\\Recent`` or unknown ``\\X``)."""
    for f in flags:
        if f.startswith("\\") and f not in SYSTEM_FLAGS:
            raise Bad(f"flag {f} cannot be set")
    return flags


async def cmd_select(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """SELECT / EXAMINE, with RFC 7162's CONDSTORE and QRESYNC parameters."""
    if cmd.qresync is not None and not s.qresync:
        raise Bad("QRESYNC parameter needs ENABLE QRESYNC first")  # RFC 7162 3.2.5
    if s.selected is not None:
        # RFC 7162 3.2.11: the boundary between the old mailbox's responses and the new's
        s.send(b"* OK [CLOSED] previous mailbox closed\r\n")
    s.select(None)
    folder = await open_folder(s, cmd.mailbox)
    view = SelectedView(folder, readonly=cmd.name == "EXAMINE")
    for line in view.flags_lines():
        s.send(line)
    s.send(b"* %d EXISTS\r\n* %d RECENT\r\n" % (len(view.uids), len(view.recent)))
    first_unseen = folder.first_unseen()
    if first_unseen:
        s.send(b"* OK [UNSEEN %d] first unseen\r\n" % first_unseen)
    s.send(b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % folder.uidvalidity)
    s.send(b"* OK [UIDNEXT %d] predicted next UID\r\n" % folder.uidnext)
    s.send(b"* OK [HIGHESTMODSEQ %d] highest\r\n" % folder.modseq)
    s.select(view)
    if "CONDSTORE" in cmd.items:
        s.enable_condstore()
    view.condstore, view.qresync = s.condstore, s.qresync
    if cmd.qresync is not None:
        for line in resync_lines(view, cmd.qresync):
            s.send(line)
    return f"{cmd.name} completed", "READ-ONLY" if view.readonly else "READ-WRITE"


async def cmd_create(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """CREATE (a trailing delimiter is allowed)."""
    name = store_name(cmd.mailbox).rstrip(DELIMITER)
    if name == INBOX:
        raise No("INBOX already exists", "ALREADYEXISTS")
    try:
        _box(s).create(name)
    except FolderNameError as exc:
        raise No(str(exc), "CANNOT") from None
    except FolderError as exc:
        raise No(str(exc), "ALREADYEXISTS") from None
    return "CREATE completed", ""


async def cmd_delete(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """DELETE."""
    name = store_name(cmd.mailbox)
    if s.selected is not None and s.selected.folder.name == name:
        s.select(None)
    try:
        path = _box(s).delete(name)
    except (FolderError, FolderNameError) as exc:
        raise folder_error(exc) from None
    s.cache.forget(path)
    return "DELETE completed", ""


async def cmd_rename(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """RENAME (of INBOX: its messages move to the new folder, RFC 3501 6.3.5)."""
    try:
        _box(s).rename(store_name(cmd.mailbox), store_name(cmd.mailbox2))
    except (FolderError, FolderNameError) as exc:
        raise folder_error(exc) from None
    return "RENAME completed", ""


async def cmd_subscribe(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """SUBSCRIBE / UNSUBSCRIBE."""
    try:
        _box(s).subscribe(store_name(cmd.mailbox), cmd.name == "SUBSCRIBE")
    except (FolderError, FolderNameError) as exc:
        raise folder_error(exc) from None
    return f"{cmd.name} completed", ""


async def cmd_status(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """STATUS."""
    await send_status(s, cmd.mailbox, cmd.items)
    return "STATUS completed", ""


async def send_status(s: ImapSession, wire: str, items: list[str]) -> None:
    """The ``* STATUS`` answer for mailbox ``wire`` (STATUS, and LIST-STATUS, RFC 5819)."""
    folder = await open_folder(s, wire)
    recent = len(folder.unclaimed_recent())
    if s.selected is not None and s.selected.folder is folder:
        recent = len(s.selected.recent)  # this session holds them
    values = {
        "MESSAGES": len(folder.messages),
        "RECENT": recent,
        "UIDNEXT": folder.uidnext,
        "UIDVALIDITY": folder.uidvalidity,
        "UNSEEN": folder.unseen(),
        "SIZE": folder.total_size(),
        "HIGHESTMODSEQ": folder.modseq,
    }
    body = " ".join(f"{item} {values[item]}" for item in items)
    s.send(b"* STATUS " + mailbox_name(mutf7_encode(folder.name)) + f" ({body})\r\n".encode())


async def cmd_append(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """APPEND, with MULTIAPPEND (RFC 3502: several messages, all stored or none) and
    UIDPLUS (APPENDUID with a UID set). A large message arrives as a spool file (see
    ``mailcore.imap.reader``) and is copied into the folder chunk by chunk."""
    batch: list[NewMessage] = []
    for msg in cmd.messages:  # every message is checked before any is stored
        flags = check_flags(msg.flags)
        if not msg.data and msg.file is None:
            raise No("cannot store an empty message")
        if msg.literal8 and await asyncio.to_thread(holds_nul, msg.file or msg.data):
            raise No("binary content cannot be stored", "UNKNOWN-CTE")
        ts = msg.date.timestamp() if msg.date is not None else None
        batch.append((msg.file if msg.file is not None else msg.data, flags, ts))
    folder = await open_folder(s, cmd.mailbox, create_hint=True)
    try:
        uids = await folder.append_all(batch)
    except OSError as exc:
        raise No(f"cannot store the message: {exc.strerror or exc}", "SERVERBUG") from None
    return "APPEND completed", f"APPENDUID {folder.uidvalidity} {sequence_set(uids)}"


async def cmd_namespace(s: ImapSession, cmd: Command) -> tuple[str, str]:
    """NAMESPACE: one personal namespace, no others."""
    s.send(f'* NAMESPACE (("" "{DELIMITER}")) NIL NIL\r\n'.encode())
    return "NAMESPACE completed", ""


HANDLERS: dict[str, Handler] = {
    "SELECT": cmd_select,
    "EXAMINE": cmd_select,
    "CREATE": cmd_create,
    "DELETE": cmd_delete,
    "RENAME": cmd_rename,
    "SUBSCRIBE": cmd_subscribe,
    "UNSUBSCRIBE": cmd_subscribe,
    "STATUS": cmd_status,
    "APPEND": cmd_append,
    "NAMESPACE": cmd_namespace,
}
