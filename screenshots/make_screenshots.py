"""Screenshots of every wizard step and the dashboard, from the real app.

Run from the project root (as root: it isolates itself in a private network
namespace with only loopback, so no probe can leave the machine)::

    bash dev.sh screenshots [--size 100x30]

Writes ``screenshots/NN-step.svg`` and ``.png`` (PNG via ``rsvg-convert``,
Debian package librsvg2-bin). The data is loopback only: a fixed echoip
service, a real ``pmemail serve`` on free 127.0.0.1 ports for the launch step
and the dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
WORK = Path("/tmp/pmemail-screenshots")
INSIDE = "PMEMAIL_SCREENSHOTS_NETNS"

sys.path.insert(0, str(ROOT))


def isolate() -> None:
    """Re-run this script in a new network namespace with loopback up (needs root)."""
    if os.environ.get(INSIDE) == "1":
        return
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.exit("make_screenshots: needs root and unshare (it runs in a private network "
                 "namespace so nothing is probed on the real network)")
    script = " ".join([sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])
    os.execvpe("unshare", ["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {script}"],
               {**os.environ, INSIDE: "1"})


async def shoot(name: str, step: str, size: tuple[int, int], serve: bool = False,
                answers: dict[str, Any] | None = None, users: bool = False,
                press: tuple[str, ...] = (), mode: str = "wizard") -> Path:
    """One picture: the app opened at ``step`` on its own config, after its workers.

    ``serve``: every service on a free loopback port (the launch step starts it).
    """
    from mailcore.users import UserStore
    from tests.config_factory import write_config
    from tests.tui_wizard_support import (
        Loopback,
        app_overrides,
        fixed_echo_service,
        fresh_root,
        make_app,
        settle,
        start_at,
    )

    with fixed_echo_service() as echo:
        root = fresh_root(WORK / name)
        services = app_overrides(Loopback(echo, "127.0.0.1:9", "127.0.0.1:9"))
        setup = write_config(root, services, loopback=serve)
        config_path = setup.path
        if users:
            store = UserStore.from_config(setup.config, setup.paths)
            store.add_user("marie@example.be", "correct horse", "imap", "Marie Dupont")
            store.add_user("jean@example.be", "battery staple", "pop3", "Jean Peeters")
        start_at(config_path, step, answers=answers)
        app = make_app(config_path, mode=mode)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            for key in press:
                if key.startswith("#"):
                    await pilot.click(key)
                else:
                    await pilot.press(key)
                await settle(app, pilot)
            svg = app.save_screenshot(f"{name}.svg", str(OUT))
    return Path(svg)


async def shoot_dashboard(config_path: Path, size: tuple[int, int]) -> Path:
    """The dashboard on the launch picture's config, its server running."""
    from tests.tui_wizard_support import make_app, settle

    app = make_app(config_path, mode="dashboard")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.pause(1.5)  # one local refresh with the server's answers
        await settle(app, pilot)
        svg = app.save_screenshot("11-dashboard.svg", str(OUT))
    return Path(svg)


def stop_server(config_path: Path) -> None:
    """Stop the ``pmemail serve`` the launch picture started."""
    from pmemail.serve.control import ControlError, query_control_sync
    from pmemail.config import DataPaths, load_config

    config = load_config(config_path)
    try:
        query_control_sync(DataPaths.from_config(config, config_path).control_socket,
                           {"cmd": "stop"}, timeout=5)
    except ControlError:
        pass


async def run(size: tuple[int, int]) -> list[Path]:
    """Every picture, in wizard order, then the dashboard."""
    shots = [
        await shoot("01-welcome", "welcome", size),
        await shoot("02-network", "network", size),
        await shoot("03-checks", "checks", size),
        await shoot("04-domain", "domain", size),
        await shoot("05-ports", "ports", size),
        await shoot("06-forward", "forward", size, press=("#forward-apply",)),
        await shoot("07-outbound", "outbound", size,
                    answers={"checks": {"outbound_25": "fail"}}),
        await shoot("08-users", "users", size, users=True),
    ]
    try:
        shots.append(await shoot("09-launch", "launch", size, serve=True,
                                 press=("#launch-start",)))
        if (ROOT / "pmemail_tui" / "screens" / "dashboard.py").exists():
            shots.append(await shoot_dashboard(WORK / "09-launch" / "pmemail.toml", size))
    finally:
        stop_server(WORK / "09-launch" / "pmemail.toml")
    shots.append(await shoot("10-summary", "summary", size, users=True,
                             answers={"forward": {"all_mapped": False}}))
    return shots


def main() -> int:
    """Parse ``--size``, isolate, shoot, convert to PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100x30", help="terminal COLSxROWS (default 100x30)")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    isolate()
    shots = asyncio.run(run((cols, rows)))
    converter = shutil.which("rsvg-convert")
    for svg in shots:
        if converter:
            subprocess.run([converter, str(svg), "-o", str(svg.with_suffix(".png"))], check=True)
        print(svg.with_suffix(".png" if converter else ".svg").relative_to(ROOT))
    if not converter:
        print("rsvg-convert not found (apt-get install librsvg2-bin): SVG only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
