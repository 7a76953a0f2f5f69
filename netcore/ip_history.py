"""A history of the public addresses seen, kept in the data dir.

One JSON object per line in ``state/ip_history.jsonl``; a line is appended
only when the observation changes (address, or the router's view of it),
so the file stays small and each line marks a change. Every write is
fsynced: this history is the evidence that the address is dynamic.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmemail.fsutil import atomic_write_text

FILE_NAME = "ip_history.jsonl"


@dataclass(frozen=True)
class IpObservation:
    """One observation of the public address.

    Attributes:
        first_seen: Unix time this observation started.
        last_seen: Unix time it was last confirmed.
        address: the address seen from outside ("" = unknown).
        router_address: the router's own external address ("" = unknown).
    """

    first_seen: float
    last_seen: float
    address: str
    router_address: str = ""

    def same_as(self, other: IpObservation) -> bool:
        """True if both observe the same addresses (times aside)."""
        return (self.address, self.router_address) == (other.address, other.router_address)


class IpHistory:
    """The history file: read it, add an observation."""

    def __init__(self, state_dir: Path) -> None:
        """Use ``state_dir/ip_history.jsonl`` (``DataPaths.state``)."""
        self.path = state_dir / FILE_NAME

    def entries(self) -> list[IpObservation]:
        """Every observation, oldest first (broken lines are skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                d: dict[str, Any] = json.loads(line)
                out.append(
                    IpObservation(
                        float(d["first_seen"]),
                        float(d["last_seen"]),
                        str(d["address"]),
                        str(d.get("router_address", "")),
                    )
                )
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash must not hide the rest
        return out

    def record(self, address: str, router_address: str = "", now: float | None = None) -> bool:
        """Note what is seen now.

        An unchanged observation only refreshes ``last_seen`` of the last
        line (the file is rewritten atomically); a change appends a line.
        Nothing is recorded when both addresses are unknown.

        Returns:
            True if this observation is a change (a new line).
        """
        if not address and not router_address:
            return False
        when = time.time() if now is None else now
        obs = IpObservation(when, when, address, router_address)
        past = self.entries()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if past and past[-1].same_as(obs):
            past[-1] = IpObservation(past[-1].first_seen, when, address, router_address)
            atomic_write_text(self.path, "".join(_line(o) for o in past))
            return False
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(_line(obs))
            f.flush()
            os.fsync(f.fileno())
        return bool(past)

    def changes(self) -> int:
        """How many times the outside address changed (known → other known)."""
        seen = [o.address for o in self.entries() if o.address]
        return sum(1 for a, b in itertools.pairwise(seen) if a != b)


def _line(o: IpObservation) -> str:
    return (
        json.dumps(
            {
                "first_seen": round(o.first_seen, 3),
                "last_seen": round(o.last_seen, 3),
                "address": o.address,
                "router_address": o.router_address,
            }
        )
        + "\n"
    )
