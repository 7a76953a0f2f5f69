"""The wizard's launch step, run INSIDE lab-lan (``Lab.run_python``) by the certificate lab test.

The real app (Textual's pilot, no terminal) resumes at the launch step and
presses Start, as an admin would: the step starts ``pmemail serve`` (a daemon
in lab-lan) and then has the server obtain its certificate.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any


def launch(config_path: str) -> dict[str, Any]:
    """Press Start on the launch step; the rows, the texts shown and the answers kept."""
    from textual.widgets import Static

    from pmemail_tui.widgets.check_list import CheckList
    from tests.tui_wizard_support import make_app, saved_state, settle, start_at

    path = Path(config_path)

    async def run() -> dict[str, Any]:
        start_at(path, "launch")
        app = make_app(path)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.click("#launch-start")
            await settle(app, pilot)
            screen = app.screen
            rows = screen.query_one(CheckList).states()
            texts = {
                key: str(screen.query_one(f"#launch-{key}", Static).render())
                for key in ("result", "cert")
            }
        return {
            "rows": {name: {"status": r.status, "finding": r.finding} for name, r in rows.items()},
            "texts": texts,
            "kept": saved_state(path).answers.get("launch", {}),
        }

    return asyncio.run(run())
