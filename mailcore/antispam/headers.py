"""Authentication-Results fields that claim to be ours, removed before delivery.

Mail clients and filters trust the Authentication-Results field of their own
server (RFC 8601 5): one written by the sender with our authserv-id would make
a forgery look verified, so it goes. The spool is rewritten only when such a
field is present (rare), streaming the body.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mailcore.mime import read_header_block

_NAME = b"authentication-results:"


def _fields(block: bytes) -> list[bytes]:
    """The header fields of ``block``, each with its continuation lines."""
    fields: list[bytes] = []
    for line in block.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def _claims(field: bytes, authserv_id: bytes) -> bool:
    if not field.lower().startswith(_NAME):
        return False
    value = field[len(_NAME) :].split(b";", 1)[0]
    return value.split(b"(", 1)[0].strip().lower().rstrip(b".") == authserv_id


def strip_forged_results(spool: Path, authserv_id: str) -> int:
    """Remove every Authentication-Results field naming ``authserv_id``; how many."""
    ours = authserv_id.lower().rstrip(".").encode("ascii", "replace")
    with open(spool, "rb") as f:
        block = read_header_block(f)
    fields = _fields(block)
    kept = [f for f in fields if not _claims(f, ours)]
    if len(kept) == len(fields):
        return 0
    fresh = spool.with_name(spool.name + ".ar")
    with open(spool, "rb") as src, open(fresh, "wb") as dst:
        dst.write(b"".join(kept))
        src.seek(len(block))
        shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(fresh, spool)
    return len(fields) - len(kept)
