"""The wizard as a person uses it: a real terminal (tmux, 80×24), keys, the screen's text.

``pmemail`` runs under ``unshare -n`` (a network namespace with nothing in
it), so nothing it probes can leave the machine.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.config_factory import write_config
from tests.tmux_support import Terminal
from tests.tui_wizard_support import app_overrides

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        shutil.which("unshare") is None or os.geteuid() != 0,
        reason="needs root and unshare for a private network namespace",
    ),
]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    any_interface = {"network": {"interface": ""}}
    config = write_config(tmp_path, app_overrides(), any_interface, loopback=False).path
    term = Terminal(config)
    try:
        yield term
    finally:
        term.kill()


@pytest.mark.timeout(240)
def test_walk_the_first_steps_then_resume(terminal: Terminal) -> None:
    terminal.start()
    screen = terminal.wait_for("Step 1 of 10 · Welcome")
    assert "English" in screen and "Français" in screen
    assert "PageDown = Next" in screen or "pgdn" in screen
    terminal.keys("PageDown")
    screen = terminal.wait_for("no network interface to look from")
    assert "Step 2 of 10 · Network" in screen
    assert "no default route" in screen
    terminal.keys("PageDown")
    screen = terminal.wait_for("Verdict:")
    assert "Step 3 of 10 · Internet subscription checks" in screen
    terminal.keys("PageDown")
    terminal.wait_for("Step 4 of 10 · Domain and DNS")
    time.sleep(1.5)  # the screen is drawn: let its focus settle (slow under load)
    for keys in ("bureau.be", "Tab", "mail.bureau.be"):  # the domain field has the focus
        terminal.keys(keys)
        time.sleep(0.3)
    screen = terminal.wait_for("bureau.be. IN MX 10 mail.bureau.be.")
    terminal.keys("PageDown")
    screen = terminal.wait_for("Step 5 of 10 · Port plan")
    assert "Why not a DMZ?" in screen
    assert 'domain = "bureau.be"' in terminal.config.read_text()
    terminal.keys("C-q")
    time.sleep(1)
    terminal.kill()
    terminal.start()  # a new start resumes where the admin left
    screen = terminal.wait_for("Step 5 of 10 · Port plan")
    assert "20800/TCP" in screen
