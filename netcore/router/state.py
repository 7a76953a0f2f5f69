"""What netcore remembers about the router between runs (a small JSON file).

* ``igd_url``: the root description URL of the UPnP IGD, so the next run
  calls ``selectigd(url)`` (about 1 ms) instead of SSDP discovery (1-4 s);
* ``mappings``: every mapping we made, with the method that made it, the
  lease granted and when, and the PCP nonce (a PCP mapping can only be
  deleted or renewed with the nonce that created it);
* ``fallbacks``: plan entries moved to a high external port because the
  router refuses the low one (``"143/TCP" -> 1143``, ``ports apply --fallback``);
* ``epoch``: the router's last NAT-PMP/PCP "seconds since start of epoch"
  and when we saw it: a value lower than expected means the router
  rebooted and lost every NAT-PMP/PCP mapping (RFC 6886 section 3.6).
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
    fallback_for: int = 0  # the refused low external port this one replaces (0 = none)

    @property
    def key(self) -> str:
        """``"25/TCP"``: the router identifies a mapping by port and protocol."""
        return f"{self.external}/{self.protocol}"

    def remaining(self, now: float) -> float | None:
        """Seconds of lease left (None for a permanent mapping)."""
        if self.lease <= 0:
            return None
        return max(0.0, self.granted_at + self.lease - now)


EPOCH_SLACK_S = 2.0
"""RFC 6886 3.6: allow 2 s of jitter (and a 1/8 slower router clock)."""


@dataclass(frozen=True)
class EpochSeen:
    """One NAT-PMP/PCP epoch observation: the router's seconds since its start."""

    epoch: int
    seen_at: float  # our clock (time.time()) when the answer came

    def rebooted_before(self, later: EpochSeen) -> bool:
        """True when ``later`` shows the router restarted since this observation.

        The router's epoch must advance at least 7/8 as fast as our clock
        (RFC 6886 3.6); less than that, minus 2 s of slack, means it lost
        its state.
        """
        elapsed = max(0.0, later.seen_at - self.seen_at)
        return later.epoch + EPOCH_SLACK_S < self.epoch + elapsed * 7 / 8


@dataclass
class ForwardingState:
    """The content of ``state/forwarding.json``."""

    igd_url: str = ""
    mappings: dict[str, MappingRecord] = field(default_factory=dict)
    fallbacks: dict[str, int] = field(default_factory=dict)
    epoch: EpochSeen | None = None
    refused: dict[str, int] = field(default_factory=dict)
    """``"25/TCP"`` -> the code the router refused it with at the last apply (the
    doctor then advises manual rules or the fallback, not "run the forwarding")."""

    @classmethod
    def load(cls, path: Path) -> ForwardingState:
        """Read the state; a missing or damaged file gives an empty state.

        The file is a cache of facts the router can tell again: losing it
        only costs one discovery, so a damaged file is not an error.
        """
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            mappings = {k: MappingRecord(**v) for k, v in data.get("mappings", {}).items()}
            fallbacks = {str(k): int(v) for k, v in data.get("fallbacks", {}).items()}
            refused = {str(k): int(v) for k, v in (data.get("refused") or {}).items()}
            raw_epoch = data.get("epoch")
            epoch = (
                EpochSeen(int(raw_epoch["epoch"]), float(raw_epoch["seen_at"]))
                if raw_epoch
                else None
            )
            return cls(
                igd_url=str(data.get("igd_url", "")),
                mappings=mappings,
                fallbacks=fallbacks,
                epoch=epoch,
                refused=refused,
            )
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return cls()

    def save(self, path: Path) -> None:
        """Write the state atomically and durably (rename over the old file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        doc: dict[str, Any] = {
            "igd_url": self.igd_url,
            "mappings": {k: asdict(v) for k, v in sorted(self.mappings.items())},
            "fallbacks": dict(sorted(self.fallbacks.items())),
            "epoch": asdict(self.epoch) if self.epoch else None,
            "refused": dict(sorted(self.refused.items())),
        }
        atomic_write_text(path, json.dumps(doc, indent=2) + "\n")

    def record(self, rec: MappingRecord) -> None:
        """Remember (or replace) a mapping."""
        self.mappings[rec.key] = rec

    def forget(self, key: str) -> None:
        """Drop a mapping from the state (and a fallback that moved a port to it)."""
        self.mappings.pop(key, None)
        protocol = key.partition("/")[2]
        for original, high in list(self.fallbacks.items()):
            if f"{high}/{protocol}" == key:
                del self.fallbacks[original]

    def observe_epoch(self, seen: EpochSeen) -> bool:
        """Remember an epoch answer; True when it shows a router reboot."""
        rebooted = self.epoch is not None and self.epoch.rebooted_before(seen)
        self.epoch = seen
        return rebooted
