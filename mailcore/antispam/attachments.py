"""The attachment policy: executable files refused, also disguised or zipped.

The message is walked with the project's streaming MIME scanner (offsets
only, never the message in memory); a zip attachment is decoded into a
spooled temporary file (memory up to 1 MiB, then disk) and only its central
directory (the member names) is read.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from mailcore.mime import Part, decode_part, scan_file

# types whose only use in mail is carrying a program, whatever the file name says
_EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-ms-installer",
        "application/x-msi",
        "application/vnd.microsoft.portable-executable",
    }
)
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
_ZIP_SCAN_LIMIT = 64 << 20  # bigger zips are not opened (their names stay unchecked)


def _entities(part: Part) -> Iterator[Part]:
    yield part
    for child in part.children:
        yield from _entities(child)
    if part.message is not None:
        yield from _entities(part.message)


def extension_blocked(name: str, blocked: frozenset[str]) -> bool:
    """Whether the file ``name`` is of a blocked type, as Windows would open it.

    Windows ignores trailing dots and spaces (``invoice.exe .`` runs), and
    only the last extension counts (``invoice.pdf.exe`` is a program).
    """
    name = name.strip().rstrip(". ").lower()
    stem, dot, ext = name.rpartition(".")
    return bool(dot and stem) and ext in blocked


def _zip_members(f: BinaryIO, part: Part) -> list[str]:
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as copy:
        for chunk in decode_part(f, part):
            copy.write(chunk)
        try:
            with zipfile.ZipFile(copy) as archive:
                return archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return []  # not a readable zip: nothing to look into


def blocked_attachment(spool: Path, extensions: Iterable[str]) -> str | None:
    """The name of the first refused attachment of the message at ``spool``, or None."""
    blocked = frozenset(e.lower().lstrip(".") for e in extensions if e)
    with open(spool, "rb") as f:
        root = scan_file(f)
        for part in _entities(root):
            if part.children or part.message is not None:
                continue
            name = part.filename
            if part.content_type in _EXECUTABLE_TYPES or extension_blocked(name, blocked):
                return name or part.content_type
            is_zip = part.content_type in _ZIP_TYPES or name.lower().endswith(".zip")
            if is_zip and part.raw_end - part.raw_body <= _ZIP_SCAN_LIMIT:
                for member in _zip_members(f, part):
                    if extension_blocked(member.rsplit("/", 1)[-1], blocked):
                        return f"{name or 'zip'}: {member}"
    return None
