"""Plain-text formatters shared by the command line and the terminal app (no UI here)."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """A duration as ``3d 4h``, ``2h 5m``, ``4m 10s`` or ``12s`` (``-`` for None).

    Only the two largest units are shown: an uptime is read at a glance.
    """
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def size(count: int) -> str:
    """Bytes as ``12.3 MB`` (decimal units, like most admins expect)."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
