"""SVG snapshots of every wizard step at 80×24 and 120×36 (pytest-textual-snapshot).

Deterministic: each picture on its own config under ``tmp_path`` (these
screens show no path), no clock in the header, spinners and cursor blink off
(tests.tui_wizard_support), the checks run against a fixed echoip answer on
loopback and a closed loopback DNS port.
Update with ``pytest tests/test_tui_wizard_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailcore.users import UserStore
from tests.config_factory import write_config
from tests.tui_wizard_support import (
    Loopback,
    app_overrides,
    fixed_echo_service,
    make_app,
    settle,
    start_at,
)

SIZES = [(80, 24), (120, 36)]


@pytest.fixture(scope="module")
def fixed_echo() -> Iterator[str]:
    with fixed_echo_service() as url:
        yield url


def app_at(
    root: Path,
    step: str,
    size: tuple[int, int],
    language: str = "en",
    services: Loopback | None = None,
    answers: dict[str, Any] | None = None,
    users: bool = False,
) -> Any:
    setup = write_config(root, app_overrides(services), loopback=False)
    config_path = setup.path
    if users:
        store = UserStore.from_config(setup.config, setup.paths)
        store.add_user("marie@example.be", "correct horse", "imap", "Marie Dupont")
        store.add_user("jean@example.be", "battery staple", "pop3", "Jean Peeters")
    start_at(config_path, step, language, answers)
    return make_app(config_path)


async def wait_workers(pilot: Any) -> None:
    await settle(pilot.app, pilot)


STEPS_PLAIN = ["welcome", "domain", "ports", "forward", "launch"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", STEPS_PLAIN)
def test_plain_steps(tmp_path: Path, snap_compare: Any, step: str, size: tuple[int, int]) -> None:
    assert snap_compare(app_at(tmp_path, step, size), run_before=wait_workers, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_welcome_french(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        app_at(tmp_path, "welcome", size, "fr"), run_before=wait_workers, terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_network(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        app_at(tmp_path, "network", size), run_before=wait_workers, terminal_size=size
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_checks(tmp_path: Path, snap_compare: Any, fixed_echo: str, size: tuple[int, int]) -> None:
    # port 25 probe and DNS on a closed loopback port: refused at once, every time
    services = Loopback(fixed_echo, "127.0.0.1:9", "127.0.0.1:9")
    assert snap_compare(
        app_at(tmp_path, "checks", size, services=services),
        run_before=wait_workers,
        terminal_size=size,
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_outbound_blocked(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    answers = {"checks": {"outbound_25": "fail", "smarthost": "relay.proximus.be"}}
    assert snap_compare(
        app_at(tmp_path, "outbound", size, answers=answers),
        run_before=wait_workers,
        terminal_size=size,
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", ["users", "summary"])
def test_steps_with_users(
    tmp_path: Path, snap_compare: Any, step: str, size: tuple[int, int]
) -> None:
    assert snap_compare(
        app_at(tmp_path, step, size, users=True), run_before=wait_workers, terminal_size=size
    )
