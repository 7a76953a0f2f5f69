"""The wizard in ``lab-lan``: its config, and a pilot driving it (through ``lab.run_python``).

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
from tests.config_factory import Overrides, write_config
from tests.lab.constants import ISP_IP, LAN_PC, REMOTE_IP
from tests.tui_wizard_support import app_overrides, make_app, settle

LOCAL = {
    "smtp": (25, 2525),
    "submission": (1234, 11234),
    "imap": (143, 11143),
    "pop3": (110, 11110),
    "webmail": (80, 18080),
    "https": (443, 18443),
}
RDP = 20800


def lab_config(tmp_path: Path, *extra: Overrides) -> Path:
    """A config for ``lab-lan`` (``extra`` overrides last): the lab's echo service and SMTP
    probes, no DNS server, the plan's internal ports high, remote desktop to lab-pc."""
    plan: Overrides = {
        **{
            f"ports.{name}": {"external": ext, "internal": port}
            for name, (ext, port) in LOCAL.items()
        },
        "ports.remote_desktop": {"external": RDP, "internal": 3389, "internal_host": LAN_PC},
    }
    lab_network: Overrides = {
        "network": {
            "interface": "",
            "echo_url": [f"http://{ISP_IP}"],
            "port25_probes": [f"{REMOTE_IP}:25", f"{REMOTE_IP}:587"],
            "resolver": f"{REMOTE_IP}:53",
            "http_timeout": 4.0,
            "check_timeout": 8.0,
            "upnp_discover_ms": 500,
            "natpmp_timeout": 0.5,
        }
    }
    return write_config(tmp_path, app_overrides(), plan, lab_network, *extra, loopback=False).path


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
