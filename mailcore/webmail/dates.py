"""A message's ``Date:`` as the reader says it: their language, the office's time zone.

The server's local time zone is the office's; ``webmail.js`` may then show the
same instant in the browser's own zone (the ``<time datetime>`` it is given).
A date that does not parse is shown as written.
"""

from __future__ import annotations

import email.utils
from datetime import datetime

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip


def parse_date(value: str) -> datetime | None:
    """The instant of a ``Date:`` header in the local time zone, or None."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.astimezone() if when.tzinfo is not None else when


def say_date(when: datetime, language: str) -> str:
    """``Tuesday 1 December 2026, 10:30`` / ``mardi 1 décembre 2026, 10:30``."""
    lang = language if language in _DAYS else "en"
    day, month = _DAYS[lang][when.weekday()], _MONTHS[lang][when.month - 1]
    return f"{day} {when.day} {month} {when.year}, {when:%H:%M}"


def header_date(value: str, language: str) -> tuple[str, str]:
    """(the date to show, its ISO 8601 form for ``<time datetime>``; "" if unparsed)."""
    when = parse_date(value)
    if when is None:
        return value, ""
    return say_date(when, language), when.isoformat()
