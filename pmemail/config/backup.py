"""The ``[backup]`` table: where, how often, how many, compressed and encrypted how.

Kept out of ``model`` (which stays one screenful per table) like ``guards``;
the loader and the writer walk it like every other table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pmemail.config.fields import doc

BackupCompression = Literal["gzip", "xz", "none"]


@dataclass
class BackupConfig:
    """Backups of config, users, mail (with IMAP state), queue, keys and certificates."""

    dir: str = doc(
        "Where backups go: a local disk or a mounted NAS path; empty = a directory "
        "beside data_dir named after it with -backups appended.",
        "",
    )
    interval: float = doc(
        "Seconds between the backups `pmemail serve` makes (86400 = daily); 0 = none.",
        0.0,
        lo=0,
        hi=31_536_000,
    )
    keep: int = doc(
        "Backups kept; older ones are removed unless a kept incremental backup needs them.",
        14,
        lo=1,
        hi=10_000,
    )
    full_every: int = doc(
        "A full backup every this many backups; the others store only new or changed files.",
        7,
        lo=1,
        hi=1000,
    )
    compression: BackupCompression = doc(
        "gzip (fast), xz (smaller, several times slower) or none.", "gzip"
    )
    age_recipients: list[str] = doc(
        "age public keys (age1...) the backups are encrypted to (the `age` tool); "
        "empty = not encrypted. Keep the identity file away from this server.",
        factory=list,
    )
