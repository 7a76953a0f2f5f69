"""Folder names: modified UTF-7 (RFC 3501 5.1.3) and the Maildir++ directory mapping.

Store names are Unicode with ``.`` as the hierarchy delimiter ("Archive.2024").
On disk a folder is ``<root>/.<mutf7 name>`` (as Dovecot lays out Maildir++);
INBOX is the root itself.
"""

from __future__ import annotations

import base64

DELIMITER = "."
INBOX = "INBOX"
# Created for every user, with their RFC 6154 special-use attribute.
SPECIAL_USE: dict[str, str] = {
    "Sent": "\\Sent",
    "Drafts": "\\Drafts",
    "Trash": "\\Trash",
    "Junk": "\\Junk",
    "Archive": "\\Archive",
}
_MAX_NAME = 200


class FolderNameError(ValueError):
    """A folder name that cannot be stored (message shown to the client)."""


def mutf7_encode(name: str) -> str:
    """``name`` in IMAP modified UTF-7."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name: str) -> str:
    """Decode IMAP modified UTF-7.

    Raises:
        FolderNameError: for malformed shifts or non-ASCII input.
    """
    if not name.isascii():
        raise FolderNameError("mailbox name is not valid modified UTF-7 (8-bit characters)")
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:
            raise FolderNameError("mailbox name is not valid modified UTF-7 (unterminated &)")
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            try:
                out.append(base64.b64decode(b64, validate=True).decode("utf-16-be"))
            except ValueError as exc:
                raise FolderNameError("mailbox name is not valid modified UTF-7") from exc
        i = end + 1
    return "".join(out)


def normalize(name: str) -> str:
    """A checked store name; any case of ``inbox`` becomes ``INBOX``.

    Raises:
        FolderNameError: empty parts, ``/``, control characters or too long.
    """
    if name.upper() == INBOX:
        return INBOX
    if not name or len(name) > _MAX_NAME:
        raise FolderNameError("mailbox name is empty or too long")
    if "/" in name or "\\" in name or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise FolderNameError("mailbox name contains a forbidden character")
    parts = name.split(DELIMITER)
    if any(p in ("", "..") for p in parts) or parts[0] in ("cur", "new", "tmp"):
        raise FolderNameError("mailbox name has an empty hierarchy level")
    if parts[0].upper() == INBOX:
        parts[0] = INBOX
    return DELIMITER.join(parts)


def to_dirname(name: str) -> str:
    """The Maildir++ directory (relative to the user's root) of a normalized name."""
    return "" if name == INBOX else "." + mutf7_encode(name)


def from_dirname(dirname: str) -> str | None:
    """The store name of a Maildir++ directory entry, None if it is not a folder."""
    if not dirname.startswith(".") or dirname in (".", ".."):
        return None
    try:
        return normalize(mutf7_decode(dirname[1:]))
    except FolderNameError:
        return None
