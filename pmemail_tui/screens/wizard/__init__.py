"""The setup wizard: one screen a step, in the order of ``pmemail.app.wizard_state.STEPS``.

Each step's module is imported when its screen is first shown, so opening
the app only loads the step it resumes at (first paint stays fast).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from pmemail.app.wizard_state import STEPS

if TYPE_CHECKING:
    from pmemail_tui.screens.wizard.base import WizardStep

# step -> class name in pmemail_tui/screens/wizard/step_<step>.py
STEP_CLASSES: dict[str, str] = {
    "welcome": "WelcomeStep",
    "network": "NetworkStep",
    "checks": "ChecksStep",
    "domain": "DomainStep",
    "ports": "PortsStep",
    "forward": "ForwardStep",
    "outbound": "OutboundStep",
    "users": "UsersStep",
    "launch": "LaunchStep",
    "summary": "SummaryStep",
}
assert tuple(STEP_CLASSES) == STEPS, "wizard screens out of step with STEPS"


def step_class(step: str) -> type[WizardStep]:
    """The screen class of ``step`` (its module is imported on first use)."""
    module = import_module(f"{__name__}.step_{step}")
    cls: type[WizardStep] = getattr(module, STEP_CLASSES[step])
    return cls


def step_screen(step: str) -> WizardStep:
    """A fresh screen for ``step``."""
    return step_class(step)()
