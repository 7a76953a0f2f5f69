"""Plain-text formatters shared by the command line and the terminal app (no UI here)."""

from __future__ import annotations

# each language's unit letters and decimal mark: French writes j(ours), octets and a comma
_DURATION_UNITS = {"en": ("d", "h", "m", "s"), "fr": ("j", "h", "min", "s")}
_SIZE_UNITS = {"en": ("B", "kB", "MB", "GB", "."), "fr": ("o", "ko", "Mo", "Go", ",")}


def duration(seconds: float | None, language: str = "en") -> str:
    """A duration as ``3d 4h``, ``2h 5m``, ``4m 10s`` or ``12s`` (``-`` for None);
    in French ``3j 4h``, ``2h 5min``, ``4min 10s``.

    Only the two largest units are shown: an uptime is read at a glance.
    """
    if seconds is None:
        return "-"
    d, h, m, s = _DURATION_UNITS.get(language, _DURATION_UNITS["en"])
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}{d} {hours}{h}"
    if hours:
        return f"{hours}{h} {minutes}{m}"
    return f"{minutes}{m} {secs}{s}" if minutes else f"{secs}{s}"


def size(count: int, language: str = "en") -> str:
    """Bytes as ``12.3 MB`` (decimal units, like most admins expect); ``12,3 Mo`` in French."""
    *units, mark = _SIZE_UNITS.get(language, _SIZE_UNITS["en"])
    value = float(count)
    for index, unit in enumerate(units):
        if value < 1000 or index == len(units) - 1:
            if index == 0:
                return f"{value:.0f} {unit}"
            return f"{value:.1f}".replace(".", mark) + f" {unit}"
        value /= 1000
    raise AssertionError("unreachable: the last unit always returns")
