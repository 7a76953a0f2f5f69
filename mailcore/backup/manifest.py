"""What one backup holds: ``manifest.json`` beside its archive.

Every backup lists every file of the snapshot, with its size, mtime, mode,
SHA-256 and where its bytes are: ``source`` names the backup whose archive
holds them under ``member`` (itself for a new or changed file, an earlier
one for a file an incremental backup found unchanged). So a restore needs
only the last manifest, and the retention keeps exactly the backups some
kept manifest points into. The manifest is not encrypted (the incremental
backup reads the previous one on a server that holds no identity): it shows
file names and sizes, never contents or keys.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from mailcore.backup.archive import Compression

FORMAT = 1
MANIFEST = "manifest.json"
Kind = Literal["full", "incremental"]


@dataclass(frozen=True)
class Entry:
    """One file of the snapshot."""

    path: str  # relative: ``config/<name>`` or ``data/<path in data_dir>``
    size: int
    mtime_ns: int
    mode: int
    sha256: str
    source: str  # the backup whose archive holds the bytes
    member: str  # their name in that archive


@dataclass
class Manifest:
    """One complete backup."""

    name: str
    kind: Kind
    created: float
    compression: Compression
    archive: str
    encrypted: bool
    archive_size: int = 0
    entries: list[Entry] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  # ``data/...`` directories, files or not

    @property
    def total_size(self) -> int:
        """Bytes of the files it restores."""
        return sum(e.size for e in self.entries)

    @property
    def sources(self) -> set[str]:
        """The backups whose archives a restore reads."""
        return {e.source for e in self.entries} | {self.name}

    def to_json(self) -> dict[str, Any]:
        """The document written as ``manifest.json``."""
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Parse ``manifest.json`` (raises KeyError/TypeError/ValueError when broken)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown manifest format {data.get('format')!r}")
        entries = [Entry(**e) for e in data["entries"]]
        fields = {k: data[k] for k in ("name", "kind", "created", "compression", "archive")}
        return cls(
            **fields,
            encrypted=bool(data["encrypted"]),
            archive_size=int(data["archive_size"]),
            entries=entries,
            dirs=[str(d) for d in data.get("dirs", [])],
        )


def load(backup_dir: Path) -> Manifest:
    """The manifest of ``backup_dir`` (OSError, ValueError, KeyError, TypeError if broken)."""
    data = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("manifest is not an object")
    return Manifest.from_json(data)


def complete_backups(dest: Path) -> list[Path]:
    """The complete backups under ``dest``, oldest first (partial ones start with a dot)."""
    try:
        dirs = [p for p in dest.iterdir() if not p.name.startswith(".") and p.is_dir()]
    except FileNotFoundError:
        return []
    return sorted(p for p in dirs if (p / MANIFEST).is_file())
