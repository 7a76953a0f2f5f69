"""Flags of Maildir messages changed on disk: the file renamed to its new ``:2,`` info.

System flags live in the file name (``S`` for ``\\Seen``...), so another
Maildir reader sees them; keywords live only in the index. A message whose
file vanished meanwhile is skipped: the next sync expunges it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mailcore import maildir
from mailcore.mailstore.table import MessageRecord


def new_flags(current: frozenset[str], wanted: frozenset[str], mode: str) -> frozenset[str]:
    """The flags after setting (``mode`` "set"), adding ("add") or removing ("remove")."""
    if mode == "add":
        return current | wanted
    if mode == "remove":
        return current - wanted
    return wanted


def rename_for_flags(
    folder: Path, records: Iterable[MessageRecord], wanted: frozenset[str], mode: str
) -> list[MessageRecord]:
    """Rename the files of ``records`` for their new flags; the records that changed,
    with their new path and flags (copies: the caller applies them)."""
    changed: list[MessageRecord] = []
    for m in records:
        new = new_flags(m.flags, wanted, mode)
        if new == m.flags:
            continue
        target = "cur/" + maildir.with_flags(m.path.rsplit("/", 1)[-1], new)
        if target != m.path:
            try:
                os.rename(folder / m.path, folder / target)
            except FileNotFoundError:
                continue  # vanished; the next sync expunges it
            m.path = target
        m.flags = new
        changed.append(m)
    return changed
