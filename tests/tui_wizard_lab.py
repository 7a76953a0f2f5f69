"""The wizard driven by a pilot inside ``lab-lan`` (called through ``lab.run_python``).

:func:`drive_wizard` presses through welcome → network → checks → domain →
ports → forward (the apply button) and returns what each screen showed, as
JSON, for ``tests/test_tui_wizard_lab.py`` to judge from ``lab-wan``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from pmemail_tui.widgets.check_list import CheckList
from tests.tui_wizard_support import make_app, settle


def _rows(app: Any) -> dict[str, list[str]]:
    return {k: [s.status, s.finding] for k, s in app.screen.query_one(CheckList).states().items()}


def _text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _drive(config_path: Path, rdp_host: str) -> dict[str, Any]:
    app = make_app(config_path)
    seen: dict[str, Any] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        seen["welcome"] = getattr(app.screen, "STEP", "")
        await pilot.press("pagedown")
        await settle(app, pilot)
        seen["network"] = _rows(app)
        await pilot.press("pagedown")
        await settle(app, pilot)
        seen["checks"] = {"rows": _rows(app), "verdict": _text(app, "#verdict")}
        await pilot.press("pagedown")
        await settle(app, pilot)
        seen["domain"] = _text(app, "#records")
        # the config's example.be is refused by Next: an office's own domain
        app.screen.query_one("#domain", Input).value = "bureau.be"
        app.screen.query_one("#hostname", Input).value = "mail.bureau.be"
        await pilot.pause()
        await pilot.press("pagedown")
        await settle(app, pilot)
        app.screen.query_one("#rdp-host", Input).value = rdp_host
        await pilot.press("pagedown")
        await settle(app, pilot)
        seen["forward_step"] = getattr(app.screen, "STEP", "")
        await pilot.click("#forward-apply")
        await settle(app, pilot)
        seen["forward"] = {
            "rows": _rows(app),
            "manual": _text(app, "#forward-manual"),
            "error": _text(app, "#forward-error"),
        }
        await pilot.press("pagedown")
        await settle(app, pilot)
        seen["after"] = getattr(app.screen, "STEP", "")
    return seen


def drive_wizard(config_path: str, rdp_host: str) -> dict[str, Any]:
    """Run the wizard headless on ``config_path`` up to the applied port plan."""
    return asyncio.run(_drive(Path(config_path), rdp_host))
