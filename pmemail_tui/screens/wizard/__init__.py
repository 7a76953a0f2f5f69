"""The setup wizard: one screen a step, in the order of ``pmemail.wizard_state.STEPS``."""

from __future__ import annotations

from pmemail.wizard_state import STEPS
from pmemail_tui.screens.wizard.base import WizardStep
from pmemail_tui.screens.wizard.step_checks import ChecksStep
from pmemail_tui.screens.wizard.step_domain import DomainStep
from pmemail_tui.screens.wizard.step_forward import ForwardStep
from pmemail_tui.screens.wizard.step_launch import LaunchStep
from pmemail_tui.screens.wizard.step_network import NetworkStep
from pmemail_tui.screens.wizard.step_outbound import OutboundStep
from pmemail_tui.screens.wizard.step_ports import PortsStep
from pmemail_tui.screens.wizard.step_summary import SummaryStep
from pmemail_tui.screens.wizard.step_users import UsersStep
from pmemail_tui.screens.wizard.step_welcome import WelcomeStep

STEP_SCREENS: dict[str, type[WizardStep]] = {
    cls.STEP: cls
    for cls in (WelcomeStep, NetworkStep, ChecksStep, DomainStep, PortsStep, ForwardStep,
                OutboundStep, UsersStep, LaunchStep, SummaryStep)
}
assert tuple(STEP_SCREENS) == STEPS, "wizard screens out of step with STEPS"


def step_screen(step: str) -> WizardStep:
    """A fresh screen for ``step``."""
    return STEP_SCREENS[step]()
