"""What forwarding did to each port of the plan: one outcome a port, one report a run.

Shared by the forwarder (which makes them), the reports and documents
(``forwarding_report``), the monitor, the CLI, the wizard and the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from netcore import advice
from netcore.checks.verdict_messages import Msg
from netcore.plan import PlannedPort
from netcore.router import errors
from netcore.router.errors import RouterError

MAPPED = "mapped"
FAILED = "failed"
REMOVED = "removed"


@dataclass
class PortOutcome:
    """What happened to one port of the plan."""

    name: str
    external: int
    protocol: str
    internal_host: str
    internal: int
    status: str  # mapped | failed | removed
    method: str = ""  # upnp | natpmp | pcp
    granted_external: int | None = None
    lease: int | None = None
    code: int | None = None
    message: str = ""
    low_port: bool = False  # refused probably because it is below 1024
    other_host: bool = False  # refused because it points at another LAN machine
    fallback_for: int = 0  # the refused low external port this high one replaces
    msg: Msg | None = None  # ``message`` as a message id (None: a plain text)

    def say(self, msg: Msg) -> None:
        """Set the sentence: ``msg`` for the front ends, its English as ``message``."""
        self.msg, self.message = msg, msg.english()


@dataclass
class ForwardingReport:
    """The result of ``apply`` or ``remove``."""

    action: str
    outcomes: list[PortOutcome] = field(default_factory=list)
    igd_url: str = ""
    router_error: str = ""
    no_public_address: bool = False  # CGNAT / double NAT: nothing was asked
    router_address: str = ""  # the router's own external address ("" when it has none)
    router_msg: Msg | None = None  # ``router_error`` as a message id

    @property
    def mapped(self) -> list[PortOutcome]:
        """Outcomes that succeeded (mapped or removed)."""
        return [o for o in self.outcomes if o.status != FAILED]

    @property
    def failed(self) -> list[PortOutcome]:
        """Outcomes that failed."""
        return [o for o in self.outcomes if o.status == FAILED]

    def exit_code(self) -> int:
        """0 everything done, 1 partly, 2 nothing (an empty plan counts as done)."""
        if not self.failed:
            return 0
        return 1 if self.mapped else 2


Progress = Callable[[PortOutcome], None]


def failed_outcome(
    port: PlannedPort,
    exc: RouterError | None,
    *,
    message: Msg | None = None,
    other_host: bool = False,
) -> PortOutcome:
    """The outcome of a port the router refused (``exc``) or that no router could take.

    The sentence: ``message``, else the error's own, else what its code means.
    """
    code = exc.code if exc else errors.NO_ROUTER
    msg = message or (exc.msg if exc else errors.explain_msg(errors.NO_ROUTER))
    text = msg.english() if msg else str(exc)
    low = not other_host and code == errors.NOT_AUTHORIZED and advice.is_low_port_refusal(port)
    return PortOutcome(
        port.name,
        port.external,
        port.protocol,
        port.internal_host,
        port.internal,
        FAILED,
        code=code,
        message=text,
        low_port=low,
        other_host=other_host,
        fallback_for=port.fallback_for,
        msg=msg,
    )


def other_host_failure(port: PlannedPort, refusal: RouterError | None) -> PortOutcome:
    """The outcome of a port for another LAN machine that could not be mapped."""
    which = {"port": str(port.external), "host": port.internal_host}
    if refusal is None or refusal.code in (errors.NO_ROUTER, errors.NETWORK):
        why = Msg("fwd.err.other_host_no_upnp", which)
        return failed_outcome(port, refusal, message=why, other_host=True)
    if refusal.code == errors.CONFLICT:
        why = Msg("fwd.err.other_host_conflict", which)
        return failed_outcome(port, refusal, other_host=True, message=why)
    if refusal.code == errors.NOT_AUTHORIZED:
        why = Msg("fwd.err.other_host_refused", which)
        return failed_outcome(port, refusal, other_host=True, message=why)
    return failed_outcome(port, refusal)
