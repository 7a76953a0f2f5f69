"""The shape every doctor check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from netcore.checks.verdict_messages import Msg

Status = Literal["ok", "warn", "fail", "skipped"]
STATUS_ORDER: dict[Status, int] = {"ok": 0, "skipped": 0, "warn": 1, "fail": 2}


@dataclass(frozen=True)
class CheckResult:
    """One answered question.

    Attributes:
        id: stable identifier (``outbound_25``, ``inbound.smtp``, ...): part of
            the JSON interface.
        title: a short human label.
        status: ok / warn / fail / skipped.
        finding: one line saying what was found.
        details: JSON-ready facts behind the finding.
        advice: what to do about it ("" when nothing).
        seconds: how long the check took.
        message: the finding as a message id with parameters (None: only the
            English ``finding``); a front end words it in the admin's language.
        advice_messages: the advice as message ids (empty: only the English
            ``advice``), worded the same way.
    """

    id: str
    title: str
    status: Status
    finding: str
    details: dict[str, Any] = field(default_factory=dict)
    advice: str = ""
    seconds: float = 0.0
    message: Msg | None = None
    advice_messages: tuple[Msg, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (one entry of the report's ``checks``)."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "finding": self.finding,
            "details": self.details,
            "advice": self.advice,
            "seconds": round(self.seconds, 3),
            "message": self.message.to_dict() if self.message else None,
            "advice_messages": [m.to_dict() for m in self.advice_messages],
        }
