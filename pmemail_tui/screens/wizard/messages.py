"""Messages the wizard steps' workers post (the only way a worker reports back).

A worker posts to its step (``step.post_message``): the step's handler
updates the widgets on the UI thread. A step that was left is closed and
takes no more messages, so a late result is dropped without touching a
widget that is going. Answers a worker finds are posted to the app
(:class:`StepAnswers`), which keeps them whether the step still shows or not.
None of them bubble: each has exactly one receiver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from netcore.checks.runner import DoctorReport
    from pmemail.app.action_result import ActionResult


@dataclass
class StepAnswers(Message, bubble=False):
    """To the app: answers of ``step`` to store and save now."""

    step: str
    answers: dict[str, Any]


@dataclass
class RowResult(Message, bubble=False):
    """One task of the step's check list finished (see ``CheckList.set_result``)."""

    key: str
    status: str
    finding: str
    details: str = ""
    advice: str = ""
    title: str | None = None


@dataclass
class RouterSuggests(Message, bubble=False):
    """The router's description suggests these profiles (network step); "" = no idea."""

    isp: str
    router: str


@dataclass
class RouterUnreadable(Message, bubble=False):
    """The router's table could not be read (forward step, "check again")."""

    reason: str


@dataclass
class ForwardDone(Message, bubble=False):
    """Applying the plan ended: ``reason`` when no router answered, and what to do by hand."""

    reason: str  # "" when the router answered
    next_steps: str


@dataclass
class ChecksDone(Message, bubble=False):
    """The doctor's run ended: its ``report``, or why the run itself broke."""

    report: DoctorReport | None
    error: str = ""


@dataclass
class RelayAnswer(Message, bubble=False):
    """What the smarthost answered to a login test or a test message (one line)."""

    text: str


@dataclass
class UserAdded(Message, bubble=False):
    """Adding a user ended: ``error`` is "" when the user was stored."""

    error: str


@dataclass
class LaunchDone(Message, bubble=False):
    """Starting the server ended: the line to show."""

    text: str


@dataclass
class ServiceDone(Message, bubble=False):
    """Installing and enabling the boot service ended: the line to show, and whether
    it is enabled now."""

    text: str
    enabled: bool


@dataclass
class CertificateAsked(Message, bubble=False):
    """The server runs: the certificate is being obtained (or read); the line to show."""

    text: str


@dataclass
class CertificateDone(Message, bubble=False):
    """Obtaining the certificate ended: its ``outcome``, or why it could not be asked."""

    outcome: ActionResult | None
    error: str = ""
