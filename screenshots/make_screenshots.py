"""Screenshots of every wizard step and the dashboard, from the real app in the router lab.

Run from the project root, as root (it builds the router lab of ``tests/lab``:
a stock miniupnpd router and the checks' echo service in the lab's internet,
all in network namespaces, so no probe leaves the machine)::

    bash dev.sh screenshots [--size 100x30] [--lang en|fr]

Writes ``screenshots/en/NN-step.svg`` and ``screenshots/fr/NN-step.svg``, and
``.png`` beside them (PNG via ``rsvg-convert``, Debian package librsvg2-bin).
The app runs inside ``lab-lan``, the office's mail server: the checks and the
forwarding succeed against the real router, the launch step starts a real
``pmemail serve``. One screen shows a failure on purpose (:data:`FAILURE`).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
WORK = Path("/tmp/pmemail-screenshots")
LANGUAGES = ("en", "fr")
FAILURE = "07-outbound"
"""The one failure screen: the ISP blocks outbound port 25, the relay form asks for its
smarthost (the README says so beside the picture)."""

sys.path.insert(0, str(ROOT))


async def shoot(
    name: str,
    step: str,
    size: tuple[int, int],
    language: str,
    answers: dict[str, Any] | None = None,
    users: bool = False,
    press: tuple[str, ...] = (),
    mode: str = "wizard",
    config_path: Path | None = None,
) -> Path:
    """One picture: the app opened at ``step`` after its workers (and the clicks of ``press``).

    Each picture has a config of its own, unless ``config_path`` reuses one
    (its answers kept, ``answers`` added).
    """
    from mailcore.users import UserStore
    from pmemail.config import DataPaths, load_config
    from tests.lab.constants import DNS_PORT, ISP_IP
    from tests.tui_wizard_lab import lab_config
    from tests.tui_wizard_support import fresh_root, make_app, saved_state, settle, start_at

    if config_path is None:
        resolver = {"network": {"resolver": f"{ISP_IP}:{DNS_PORT}"}}  # the lab's DNS server
        config_path = lab_config(fresh_root(WORK / language / name), resolver)
        kept: dict[str, Any] = {}
    else:
        kept = saved_state(config_path).answers
    if users:
        config = load_config(config_path)
        store = UserStore.from_config(config, DataPaths.from_config(config, config_path))
        if store.get("marie@example.be") is None:
            store.add_user("marie@example.be", "correct horse", "imap", "Marie Dupont")
            store.add_user("jean@example.be", "battery staple", "pop3", "Jean Peeters")
    start_at(config_path, step, language, {**kept, **(answers or {})})
    out = OUT / language
    out.mkdir(parents=True, exist_ok=True)
    app = make_app(config_path, mode=mode)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        if mode == "dashboard":
            await pilot.pause(1.5)  # one local refresh with the server's answers
            await settle(app, pilot)
        for key in press:
            if key.startswith("#"):
                await pilot.click(key)
            else:
                await pilot.press(key)
            await settle(app, pilot)
        svg = app.save_screenshot(f"{name}.svg", str(out))
    return Path(svg)


def stop_server(config_path: Path) -> None:
    """Stop the ``pmemail serve`` the launch picture started (waits until it is gone)."""
    from pmemail.app.action_result import ActionError
    from pmemail.app.server_process import stop_server as stop
    from pmemail.config import DataPaths, load_config

    config = load_config(config_path)
    try:
        stop(config, DataPaths.from_config(config, config_path))
    except ActionError:
        pass


async def run(size: tuple[int, int], language: str) -> list[Path]:
    """Every picture of one language, in wizard order, the dashboard after the launch."""
    shots = [
        await shoot("01-welcome", "welcome", size, language),
        await shoot("02-network", "network", size, language),
        await shoot("03-checks", "checks", size, language),
        await shoot("04-domain", "domain", size, language),
        await shoot("05-ports", "ports", size, language),
        await shoot("06-forward", "forward", size, language, press=("#forward-apply",)),
        await shoot(FAILURE, "outbound", size, language, {"checks": {"outbound_25": "fail"}}),
        await shoot("08-users", "users", size, language, users=True),
    ]
    launched = WORK / language / "09-launch" / "pmemail.toml"
    try:
        shots.append(
            await shoot("09-launch", "launch", size, language, users=True, press=("#launch-start",))
        )
        shots.append(
            await shoot("11-dashboard", "summary", size, language, mode="dashboard",
                        config_path=launched)
        )
    finally:
        stop_server(launched)
    # the launch step's answers: the verdict it took after the start, the certificate
    shots.append(
        await shoot("10-summary", "summary", size, language,
                    {"forward": {"all_mapped": True}}, config_path=launched)
    )
    return shots


def shoot_language(language: str, cols: int, rows: int) -> list[str]:
    """Every picture of ``language`` (called inside ``lab-lan`` through ``lab.run_python``)."""
    return [str(p) for p in asyncio.run(run((cols, rows), language))]


def in_the_lab(languages: list[str], cols: int, rows: int) -> list[Path]:
    """Build the lab, shoot each language inside ``lab-lan``, always take the lab down."""
    from tests.lab import Lab, RouterConfig
    from tests.lab.constants import NS_LAN, NS_PC
    from tests.lab.dns_server import EXAMPLE_RECORDS, PTR_MAIL
    from tests.lab.links import prerequisites_missing
    from tests.tui_wizard_support import fresh_root

    reason = prerequisites_missing()
    if reason is not None:
        sys.exit(f"make_screenshots: the router lab cannot run here: {reason}")
    lab = Lab(fresh_root(WORK / "lab"))
    shots: list[Path] = []
    try:
        # secure_mode off: the remote desktop port goes to another PC of the office
        lab.up(RouterConfig(secure_mode=False), lock_timeout=900)  # another lab user may hold it
        lab.serve_banner(NS_PC, [3389], name="pc")  # that PC answers from outside
        # example.be published as a business line with a fixed address has it
        lab.set_dns_records([*EXAMPLE_RECORDS, PTR_MAIL])
        for language in languages:
            done = lab.run_python(
                NS_LAN, "screenshots.make_screenshots:shoot_language", language, cols, rows,
                timeout=900,
            )
            shots += [Path(p) for p in done]
    finally:
        lab.down()
    return shots


def main() -> int:
    """Parse the options, shoot in the lab, convert to PNG."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100x30", help="terminal COLSxROWS (default 100x30)")
    parser.add_argument("--lang", choices=LANGUAGES, help="one language (default: both)")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    shots = in_the_lab([args.lang] if args.lang else list(LANGUAGES), cols, rows)
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
