"""The mailbox store: Maildir++ folders with a persistent index (UIDs, flags, sizes).

Used by the IMAP server and the webmail; nothing here knows about IMAP.
"""

from mailcore.mailstore.folder import Folder, NewMessage
from mailcore.mailstore.mailbox import (
    FolderError,
    FolderExists,
    FolderInfo,
    Mailbox,
    MailStore,
    NoSuchFolder,
)
from mailcore.mailstore.names import DELIMITER, INBOX, SPECIAL_USE, FolderNameError
from mailcore.mailstore.summary import MessageHead, parse_head
from mailcore.mailstore.table import MessageRecord

__all__ = [
    "DELIMITER",
    "INBOX",
    "SPECIAL_USE",
    "Folder",
    "FolderError",
    "FolderExists",
    "FolderInfo",
    "FolderNameError",
    "MailStore",
    "Mailbox",
    "MessageHead",
    "MessageRecord",
    "NewMessage",
    "NoSuchFolder",
    "parse_head",
]
