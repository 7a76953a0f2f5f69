"""Forward the port plan on the router, or remove pmemail's mappings (one click).

The router clients (miniupnpc) are imported by the functions that use them:
the dashboard paints before that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pmemail.app.action_result import ActionError, ActionResult
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.port_outcome import ForwardingReport, PortOutcome

T = TypeVar("T")


def _summary(report: ForwardingReport, done: str, language: str) -> ActionResult:
    from netcore.forwarding_report import outcome_line
    from pmemail.app.verdict_texts import sayer

    say = sayer(language)
    lines = [outcome_line(o, say) for o in report.outcomes]
    if report.router_error and not report.mapped:
        lines.insert(0, say(report.router_msg) if report.router_msg else report.router_error)
    if not report.outcomes:
        return ActionResult.said(f"forward.nothing.{done}", lines)
    key = f"forward.failed.{done}" if report.failed else f"forward.done.{done}"
    counts = {"mapped": len(report.mapped), "total": len(report.outcomes)}
    return ActionResult.said(key, lines, not report.failed, failed=len(report.failed), **counts)


def _router_call(key: str, call: Callable[[], T]) -> T:
    """``call()``, its failures to reach the router as one ActionError line.

    ``key``: the action catalogue's sentence around the reason (``forward.reason``:
    the reason alone); a router's refusal is worded in the screen's language.
    """
    from netcore.plan import PlanError
    from netcore.router.errors import RouterError

    try:
        return call()
    except (RouterError, OSError, ValueError) as err:
        # OSError too: no route, a refused socket (the test network guard) ...
        # ValueError: netcore.plan.PlanError (a bad address in the config)
        msg = err.msg if isinstance(err, (RouterError, PlanError)) else None
        raise ActionError.said(key, reason=msg or str(err) or type(err).__name__) from None


@dataclass(frozen=True)
class PlanApplied:
    """What applying the plan did, for a screen that shows what is left to do."""

    all_mapped: bool
    next_steps: list[str]  # summary, fallbacks, the manual table for refused ports


def apply_plan(
    config: Config, paths: DataPaths, progress: Callable[[PortOutcome], None] | None = None
) -> PlanApplied:
    """Apply the whole port plan and say what is left to do by hand (the wizard's step).

    Raises:
        ActionError: the router cannot be reached at all; the message is the reason alone.
    """
    from netcore.forwarding import Forwarder
    from netcore.forwarding_report import forwarding_document, next_steps_lines, router_profile
    from pmemail.app.forwarding_status import manual_in_language
    from pmemail.app.verdict_texts import sayer

    forwarder = Forwarder(config, paths)
    plan = _router_call("forward.reason", forwarder.plan)
    report = _router_call("forward.reason", lambda: forwarder.apply(progress=progress))
    isp = config.isp
    profile = router_profile(isp.profile, isp.router_profile) if report.failed else None
    doc = forwarding_document(report, plan, profile, forwarder.gateway)
    worded = manual_in_language(doc, config.language)
    return PlanApplied(not report.failed, next_steps_lines(worded, sayer(config.language)))


def forward_all(
    config: Config, paths: DataPaths, progress: Callable[[PortOutcome], None] | None = None
) -> ActionResult:
    """Apply the whole port plan on the router again.

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call(
        "forward.cannot_forward", lambda: Forwarder(config, paths).apply(progress=progress)
    )
    return _summary(report, "forwarded", config.language)


def remove_mappings(config: Config, paths: DataPaths) -> ActionResult:
    """Delete every pmemail mapping from the router (others are left alone).

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call("forward.cannot_remove", Forwarder(config, paths).remove)
    return _summary(report, "removed", config.language)
