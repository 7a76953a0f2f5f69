"""What netcore remembers about the router between runs (a small JSON file).

* ``igd_url``: the root description URL of the UPnP IGD, so the next run
  calls ``selectigd(url)`` (about 1 ms) instead of SSDP discovery (1-4 s);
* ``mappings``: every mapping we made, with the method that made it, the
  lease granted and when, and the PCP nonce (a PCP mapping can only be
  deleted or renewed with the nonce that created it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pmemail.fsutil import atomic_write_text

STATE_NAME = "forwarding.json"


@dataclass
class MappingRecord:
    """One mapping pmemail made on the router."""

    name: str
    method: str  # "upnp", "natpmp" or "pcp"
    protocol: str
    external: int  # asked for
    granted_external: int  # what the router gave (NAT-PMP/PCP may differ)
    internal_host: str
    internal: int
    lease: int  # seconds granted; 0 = permanent
    granted_at: float  # time.time() when granted or renewed
    nonce: str = ""  # PCP only, hex

    @property
    def key(self) -> str:
        """``"25/TCP"``: the router identifies a mapping by port and protocol."""
        return f"{self.external}/{self.protocol}"

    def remaining(self, now: float) -> float | None:
        """Seconds of lease left (None for a permanent mapping)."""
        if self.lease <= 0:
            return None
        return max(0.0, self.granted_at + self.lease - now)


@dataclass
class ForwardingState:
    """The content of ``state/forwarding.json``."""

    igd_url: str = ""
    mappings: dict[str, MappingRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ForwardingState:
        """Read the state; a missing or damaged file gives an empty state.

        The file is a cache of facts the router can tell again: losing it
        only costs one discovery, so a damaged file is not an error.
        """
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            mappings = {k: MappingRecord(**v) for k, v in data.get("mappings", {}).items()}
            return cls(igd_url=str(data.get("igd_url", "")), mappings=mappings)
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        """Write the state atomically and durably (rename over the old file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"igd_url": self.igd_url,
               "mappings": {k: asdict(v) for k, v in sorted(self.mappings.items())}}
        atomic_write_text(path, json.dumps(doc, indent=2) + "\n")

    def record(self, rec: MappingRecord) -> None:
        """Remember (or replace) a mapping."""
        self.mappings[rec.key] = rec

    def forget(self, key: str) -> None:
        """Drop a mapping from the state."""
        self.mappings.pop(key, None)
