"""Forward the port plan on the router again, or remove pmemail's mappings (one click).

The router clients (miniupnpc) are imported by the functions that use them:
the dashboard paints before that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pmemail.app.action_result import ActionError, ActionResult
from pmemail.config.model import Config
from pmemail.config.paths import DataPaths

if TYPE_CHECKING:
    from netcore.forwarding import ForwardingReport, PortOutcome


def _summary(report: ForwardingReport, done: str) -> ActionResult:
    from netcore.forwarding_report import outcome_line

    lines = [outcome_line(o) for o in report.outcomes]
    if report.router_error and not report.mapped:
        lines.insert(0, report.router_error)
    if not report.outcomes:
        return ActionResult(f"nothing to do ({done} 0 ports)", lines)
    head = f"{done} {len(report.mapped)} of {len(report.outcomes)} port(s)"
    if report.failed:
        head += f"; {len(report.failed)} failed"
    return ActionResult(head, lines, ok=not report.failed)


def _router_call(what: str, call: Callable[[], ForwardingReport]) -> ForwardingReport:
    from netcore.router.errors import RouterError

    try:
        return call()
    except (RouterError, OSError, ValueError) as err:
        # OSError too: no route, a refused socket (the test network guard) ...
        raise ActionError(f"{what}: {err or type(err).__name__}") from None


def forward_all(
    config: Config, paths: DataPaths, progress: Callable[[PortOutcome], None] | None = None
) -> ActionResult:
    """Apply the whole port plan on the router again.

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call(
        "cannot forward the ports", lambda: Forwarder(config, paths).apply(progress=progress)
    )
    return _summary(report, "forwarded")


def remove_mappings(config: Config, paths: DataPaths) -> ActionResult:
    """Delete every pmemail mapping from the router (others are left alone).

    Raises:
        ActionError: the router cannot be reached at all.
    """
    from netcore.forwarding import Forwarder

    report = _router_call("cannot remove the mappings", Forwarder(config, paths).remove)
    return _summary(report, "removed")
